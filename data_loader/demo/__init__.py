"""The demo city: calibrated model, history seed and live simulator."""
