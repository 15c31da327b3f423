//! Shell-command classification for the Recourse gateway (being built: see the shell classifier issue).
