"""Cases (案件): opening, state projection, and the commands that append to their trails."""
