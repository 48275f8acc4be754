"""What every HTTP edge shares (the channels and the API): capped bodies, CSRF, page set-up, times, limits, the runtime."""
