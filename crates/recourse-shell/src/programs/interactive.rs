//! Pagers, editors and other interactive programs with shell escapes (`!sh`, `:shell`,
//! `|cmd`): whatever file they are given, they can run commands.

use super::model::{Program, kind};

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[
    Program::of(
        &[
            "less",
            "more",
            "most",
            "pg",
            "man",
            "vi",
            "vim",
            "nvim",
            "view",
            "vimdiff",
            "rvim",
            "ex",
            "ed",
            "nano",
            "pico",
            "emacs",
            "emacsclient",
            "joe",
            "jed",
            "mc",
            "htop",
            "screen",
            "tmux",
            "tmate",
            "info",
            "pinfo",
            "sqlite3",
            "gdb",
            "lldb",
            "minicom",
            "irssi",
        ],
        kind::PAGER,
    ),
    // Text browsers also fetch: `lynx -source URL | sh`.
    Program::of(
        &["lynx", "w3m", "links", "elinks"],
        kind::PAGER | kind::FETCHER,
    ),
    Program::of(&["psql", "mysql", "nmap"], kind::PAGER | kind::CODE_CAPABLE),
];
