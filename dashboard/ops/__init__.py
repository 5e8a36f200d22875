"""Operations: health with reasons, structured JSON logs with request ids, Prometheus metrics."""
