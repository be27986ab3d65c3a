"""Long-running loops: the Faust fan-out, the Kafka consumers, the deadline scheduler."""
