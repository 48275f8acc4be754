"""Below both channels and delivery: what a send attempt returns, and the provider clients both use."""
