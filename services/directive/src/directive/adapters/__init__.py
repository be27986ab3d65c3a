"""Record codecs: `dispatch.requested` records encoded for the fan-out."""
