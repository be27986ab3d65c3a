"""The publisher's long-running loops: the delivery and contact consumers, the sender, the
recorder of its answers, and the recovery of retries and orphans."""
