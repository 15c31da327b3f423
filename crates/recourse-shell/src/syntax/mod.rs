//! The shell language as the classifier reads it: [`parse`] turns a command string into a
//! [`Script`], a tree that keeps what classification needs (every simple command, every nested
//! script, every redirection and here-document) and drops the rest.
//!
//! The tree is part of the crate's contract: the fuzz target and the parser tests walk it, and
//! an embedder can use it to show an approver what will run.
//!
//! ```
//! use recourse_shell::syntax::{Command, parse};
//!
//! let script = parse("ls -la | grep x && echo $(id)")?;
//! let first = &script.items[0].pipelines[0].commands[0];
//! let Command::Simple(ls) = first else { unreachable!() };
//! assert_eq!(ls.words[1].text, "-la");
//! # Ok::<(), recourse_shell::syntax::ParseError>(())
//! ```

mod ast;
mod parser;

pub use ast::{
    AndOr, Assignment, Command, Compound, CompoundKind, Expansion, ExpansionKind, HereDoc, List,
    Pipeline, RedirOp, Redirect, Script, SimpleCommand, SubKind, Substitution, Word,
};
pub(crate) use parser::parse_nested;
pub use parser::{MAX_DEPTH, ParseError, parse};
