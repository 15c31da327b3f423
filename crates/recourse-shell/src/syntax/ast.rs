//! The syntax tree the parser produces. It keeps what classification needs (every simple
//! command, every nested script, every redirection and here-document) and drops the rest.

/// A sequence of nodes that holds one node without allocating: most scripts are one and-or
/// list of one pipeline of one command. Reads as a slice.
#[derive(Clone, PartialEq, Eq)]
pub struct List<T>(Nodes<T>);

#[derive(Clone, PartialEq, Eq)]
enum Nodes<T> {
    Empty,
    One(T),
    Many(Vec<T>),
}

impl<T> List<T> {
    /// An empty list.
    pub fn new() -> Self {
        List(Nodes::Empty)
    }

    /// A list of one.
    pub fn one(node: T) -> Self {
        List(Nodes::One(node))
    }

    /// Appends a node.
    pub fn push(&mut self, node: T) {
        self.0 = match std::mem::replace(&mut self.0, Nodes::Empty) {
            Nodes::Empty => Nodes::One(node),
            Nodes::One(first) => Nodes::Many(vec![first, node]),
            Nodes::Many(mut v) => {
                v.push(node);
                Nodes::Many(v)
            }
        };
    }
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List::new()
    }
}

impl<T> std::ops::Deref for List<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match &self.0 {
            Nodes::Empty => &[],
            Nodes::One(t) => std::slice::from_ref(t),
            Nodes::Many(v) => v,
        }
    }
}

impl<T> std::ops::DerefMut for List<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        match &mut self.0 {
            Nodes::Empty => &mut [],
            Nodes::One(t) => std::slice::from_mut(t),
            Nodes::Many(v) => v,
        }
    }
}

impl<'a, T> IntoIterator for &'a List<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T> IntoIterator for &'a mut List<T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for List<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A list of commands: `a; b && c | d &`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    /// The and-or lists, in order.
    pub items: List<AndOr>,
}

/// `p1 && p2 || p3`, optionally in the background.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AndOr {
    /// The pipelines, in order.
    pub pipelines: List<Pipeline>,
    /// Whether the list ends with `&`.
    pub background: bool,
}

/// `c1 | c2 |& c3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    /// Whether it starts with `!`.
    pub negated: bool,
    /// Whether it follows `||` in its and-or list (it runs when the list so far failed);
    /// otherwise it follows `&&` or starts the list.
    pub or_else: bool,
    /// The stages, in order; each feeds the next.
    pub commands: List<Command>,
}

/// One stage of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `NAME=value cmd args >redir`.
    Simple(SimpleCommand),
    /// A compound command (subshell, group, if, loops, case, `[[ ]]`, `(( ))`) with its
    /// trailing redirections.
    Compound(Compound),
    /// `name() body` or `function name body`.
    Function {
        /// The function's name.
        name: String,
        /// The body.
        body: Box<Command>,
    },
}

/// Which compound command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompoundKind {
    /// `( … )`
    Subshell,
    /// `{ …; }`
    Group,
    /// `if … fi`
    If,
    /// `while`/`until … done`
    Loop,
    /// `for`/`select … done`
    For,
    /// `case … esac`
    Case,
    /// `[[ … ]]`
    Conditional,
    /// `(( … ))`
    Arithmetic,
}

/// A compound command: every script it contains runs (or may run), and its words are expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compound {
    /// Which kind.
    pub kind: CompoundKind,
    /// Every nested list (bodies, conditions, branches).
    pub scripts: Vec<Script>,
    /// Words that get expanded (for-lists, case subjects and patterns, `[[ ]]` operands).
    pub words: Vec<Word>,
    /// Redirections applied to the whole compound.
    pub redirects: Vec<Redirect>,
}

/// `NAME=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Variable name.
    pub name: String,
    /// The subscript of an array element assignment (`NAME[index]=value`): bash evaluates it,
    /// arithmetically for indexed arrays, so substitutions in it run.
    pub index: Option<Word>,
    /// The value (array assignments keep their elements as separate words).
    pub value: Vec<Word>,
}

/// A simple command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimpleCommand {
    /// Leading assignments.
    pub assignments: Vec<Assignment>,
    /// Command name and arguments.
    pub words: Vec<Word>,
    /// Redirections, in order.
    pub redirects: Vec<Redirect>,
}

/// Redirection operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirOp {
    /// `<`
    In,
    /// `>`
    Out,
    /// `>>`
    Append,
    /// `>|`
    Clobber,
    /// `<>`
    ReadWrite,
    /// `<&`
    DupIn,
    /// `>&`
    DupOut,
    /// `&>`
    OutErr,
    /// `&>>`
    AppendOutErr,
    /// `<<` / `<<-`
    HereDoc,
    /// `<<<`
    HereString,
}

impl RedirOp {
    /// Whether the operator can write to its target.
    pub fn writes(self) -> bool {
        matches!(
            self,
            RedirOp::Out
                | RedirOp::Append
                | RedirOp::Clobber
                | RedirOp::ReadWrite
                | RedirOp::DupOut
                | RedirOp::OutErr
                | RedirOp::AppendOutErr
        )
    }
}

/// A redirection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The explicit file descriptor (`2>`), if any.
    pub fd: Option<u32>,
    /// The operator.
    pub op: RedirOp,
    /// The target word (file, fd number, or here-string); for here-documents, the delimiter.
    pub target: Word,
    /// For here-documents: the body.
    pub heredoc: Option<HereDoc>,
}

/// A here-document body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HereDoc {
    /// Whether the delimiter was quoted (then the body is literal text).
    pub quoted: bool,
    /// The body as a word: literal text, and for unquoted bodies the expansions in it.
    pub body: Word,
}

/// How a nested script is substituted into a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubKind {
    /// `$( … )` or backticks: output becomes text.
    Command,
    /// `<( … )`: output readable as a file.
    ProcessIn,
    /// `>( … )`: input writable as a file.
    ProcessOut,
}

/// A script nested in a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substitution {
    /// How it is substituted.
    pub kind: SubKind,
    /// The nested script.
    pub script: Script,
}

/// A word after quote removal, with what it expands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word {
    /// The text with quotes removed and escapes applied. Expansions stay as their source text
    /// (`$HOME`, `$(id)`), so the text is what a reader sees, not a guess at the value.
    pub text: String,
    /// Contains a parameter, command, arithmetic or process expansion: the run-time value is not
    /// `text`.
    pub dynamic: bool,
    /// Contains an unquoted glob character (`*`, `?`, `[`).
    pub glob: bool,
    /// Contains an unquoted brace expansion (`{a,b}`, `{1..3}`).
    pub brace: bool,
    /// Any part of it was quoted or escaped.
    pub quoted: bool,
    /// Starts with an unquoted `~`.
    pub tilde: bool,
    /// Names of the parameters it expands.
    pub params: Vec<String>,
    /// Scripts substituted into it.
    pub subs: Vec<Substitution>,
    /// Where in `text` each expansion's source stands, in order (expansions nested inside
    /// another's operator, `${x:-$y}`, are part of the outer one).
    pub expansions: Vec<Expansion>,
}

/// One expansion in a word: its source text is `text[start..end]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    /// Byte offset of its first byte (`$` or `` ` ``) in the word's text.
    pub start: usize,
    /// Byte offset just past its last byte.
    pub end: usize,
    /// Inside double quotes: its value is neither split into words nor globbed.
    pub quoted: bool,
    /// What it expands.
    pub kind: ExpansionKind,
}

/// What an expansion expands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpansionKind {
    /// `$name`, `${name}`, `${name<op>}`, `${!name}`, `${#name}`.
    Param {
        /// The parameter's name (`HOME`, `1`, `@`, `?`).
        name: String,
        /// `${!name…}`: indirection (or the names/keys forms `${!prefix*}`, `${!a[@]}`).
        indirect: bool,
        /// `${#name}`: its length.
        length: bool,
        /// The source after the name up to the closing brace (`:-default`, `@P`, `[i]`,
        /// `/a/b`); empty for `$name` and `${name}`.
        op: String,
    },
    /// `$( … )` or backticks: the index of its script in the word's `subs`.
    Command(usize),
    /// `$(( … ))` or `$[ … ]`: arithmetic.
    Arith,
    /// `<( … )` or `>( … )`: the index of its script in the word's `subs`.
    Process(usize),
}

impl Word {
    /// Appends another word's text, expansions and substitutions.
    pub(crate) fn append(&mut self, other: Word) {
        let (at, subs) = (self.text.len(), self.subs.len());
        self.text.push_str(&other.text);
        self.dynamic |= other.dynamic;
        self.glob |= other.glob;
        self.brace |= other.brace;
        self.quoted |= other.quoted;
        self.params.extend(other.params);
        self.subs.extend(other.subs);
        self.expansions
            .extend(other.expansions.into_iter().map(|mut e| {
                e.start += at;
                e.end += at;
                if let ExpansionKind::Command(i) | ExpansionKind::Process(i) = &mut e.kind {
                    *i += subs;
                }
                e
            }));
    }

    /// A plain literal word (no quotes, no expansions).
    pub fn literal(text: impl Into<String>) -> Word {
        Word {
            text: text.into(),
            ..Word::default()
        }
    }

    /// Whether the word's value is exactly its text: no expansion of any kind.
    pub fn is_static(&self) -> bool {
        !self.dynamic && !self.glob && !self.brace && !self.tilde
    }
}

impl Script {
    /// Calls `f` on every simple command in the tree, nested ones included (in compounds,
    /// functions, and the substitutions of words, assignments and redirections).
    pub(crate) fn each_simple_mut(&mut self, f: &mut impl FnMut(&mut SimpleCommand)) {
        for ao in &mut self.items {
            for p in &mut ao.pipelines {
                for c in &mut p.commands {
                    c.each_simple_mut(f);
                }
            }
        }
    }
}

impl Command {
    fn each_simple_mut(&mut self, f: &mut impl FnMut(&mut SimpleCommand)) {
        match self {
            Command::Simple(sc) => {
                for w in sc.words.iter_mut().chain(
                    sc.assignments
                        .iter_mut()
                        .flat_map(|a| a.value.iter_mut().chain(&mut a.index)),
                ) {
                    w.each_simple_mut(f);
                }
                for r in &mut sc.redirects {
                    r.each_simple_mut(f);
                }
                f(sc);
            }
            Command::Compound(cc) => {
                for w in &mut cc.words {
                    w.each_simple_mut(f);
                }
                for s in &mut cc.scripts {
                    s.each_simple_mut(f);
                }
                for r in &mut cc.redirects {
                    r.each_simple_mut(f);
                }
            }
            Command::Function { body, .. } => body.each_simple_mut(f),
        }
    }
}

impl Redirect {
    fn each_simple_mut(&mut self, f: &mut impl FnMut(&mut SimpleCommand)) {
        self.target.each_simple_mut(f);
        if let Some(h) = &mut self.heredoc {
            h.body.each_simple_mut(f);
        }
    }
}

impl Word {
    fn each_simple_mut(&mut self, f: &mut impl FnMut(&mut SimpleCommand)) {
        for s in &mut self.subs {
            s.script.each_simple_mut(f);
        }
    }
}
