"""The outbound dialer: campaigns dialled in preview, progressive, predictive or IVR mode."""
