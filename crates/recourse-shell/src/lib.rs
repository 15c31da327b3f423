//! Shell-command classification for the Recourse gateway.
pub mod ast;
pub mod parser;
