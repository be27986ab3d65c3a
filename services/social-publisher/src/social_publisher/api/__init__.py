"""The publisher's HTTP: `/api/v1/channels` and the providers' webhooks."""
