"""The media fetcher (SPEC section 16): downloads the files citizens send on the messaging channels, in the background."""
