//! The vocabulary of the program table: what one entry can say about a program, and the
//! answers its questions give.

use recourse_policy::{Decision, Reason};

use crate::args::{self, OptSpec, Parsed};
use crate::syntax::Word;
pub(crate) use crate::value::Shape;

/// A read-only verdict from a per-program model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Model {
    /// Positively read-only with these arguments.
    ReadOnly,
    /// Changes state (why; the class is what counts, so the reason is fixed text).
    Mutating(&'static str),
    /// Can run arbitrary code (why).
    RunsCode(String),
    /// The model does not know this invocation.
    Unknown,
}

/// Bits of what the classifier knows about a program.
pub(crate) mod kind {
    /// A shell.
    pub(crate) const SHELL: u32 = 1;
    /// Fetches from the network.
    pub(crate) const FETCHER: u32 = 1 << 1;
    /// Opens raw network connections.
    pub(crate) const NETWORK: u32 = 1 << 2;
    /// Read-only in every invocation its model allows.
    pub(crate) const READONLY: u32 = 1 << 3;
    /// Known to change state (classified as mutating, not unknown).
    pub(crate) const MUTATING: u32 = 1 << 4;
    /// A pager or editor with shell escapes.
    pub(crate) const PAGER: u32 = 1 << 5;
    /// An awk.
    pub(crate) const AWK: u32 = 1 << 6;
    /// Its first operand is a pattern or program text, not a file.
    pub(crate) const PATTERN_FIRST: u32 = 1 << 7;
    /// A wrapper that passes the inner command's class through; other wrappers (tracers,
    /// sandboxes, loggers) make the whole at least unknown.
    pub(crate) const TRANSPARENT: u32 = 1 << 8;
    /// Runs arbitrary code as part of its normal work (build scripts, package hooks, recipes,
    /// plugins): under a privilege wrapper it is as dangerous as a shell.
    pub(crate) const CODE_CAPABLE: u32 = 1 << 9;
    /// Prints its arguments as text (`echo`, `printf`): they are not paths it opens.
    pub(crate) const TEXT_ONLY: u32 = 1 << 10;
    /// Turns lines of its input into file operands or variables (`xargs`, `read`).
    pub(crate) const TAKES_NAMES: u32 = 1 << 11;
    /// Prints the names of its path operands (`ls`, `du`, `echo`): downstream, those names may
    /// be opened.
    pub(crate) const PRINTS_NAMES: u32 = 1 << 12;
    /// Sends data to another host, even if only in a name it looks up (`mail`, `dig`, `ping`);
    /// fetchers and raw network programs send too.
    pub(crate) const SENDS: u32 = 1 << 13;
    /// Deletes or overwrites what it is given (`rm`, `shred`, `dd`, `chmod`): computing its
    /// name or its target hides intent.
    pub(crate) const DESTRUCTIVE: u32 = 1 << 14;
    /// Prints the content of the files it is given (`cat`, `grep`, `sort`): an operand it
    /// cannot see may be a credential.
    pub(crate) const CONTENT: u32 = 1 << 15;
    /// With two file operands, writes the second (`uniq in out`, `xxd in out`).
    pub(crate) const SECOND_OPERAND_WRITTEN: u32 = 1 << 16;
    /// Walks the trees it is given and takes actions from its arguments (`find`).
    pub(crate) const FINDS: u32 = 1 << 17;
}

/// How a wrapper's inner command is found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WrapperSpec {
    /// Its options.
    pub options: OptSpec,
    /// Positional operands before the command (e.g. `timeout DURATION`).
    pub positional: usize,
    /// Whether it changes privileges.
    pub privilege: bool,
    /// Whether `NAME=value` words may precede the command.
    pub assignments: bool,
}

/// How a program runs other code, if it does. The walker recurses into what each answer
/// names; the rooms only answer where it is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Runs {
    /// Runs nothing but itself.
    Nothing,
    /// Runs the command in its arguments (`sudo`, `env`, `timeout`, `xargs`, …).
    Wrapper(WrapperSpec),
    /// A shell: `-c STRING`, a script file, or commands on stdin.
    Shell,
    /// An interpreter, with the flags that take inline code.
    Interpreter(&'static [&'static str]),
    /// An awk: the first operand is a program.
    Awk,
    /// `eval`: its arguments are a script.
    Eval,
    /// `trap`: its first argument is a script run later.
    Trap,
    /// `source` / `.`: runs a file's commands in this shell.
    Source,
    /// `watch`: runs its arguments as a script, or with `-x` as a command.
    Watch,
    /// `busybox`/`toybox`: its arguments are an applet's command line.
    Busybox,
    /// `find`: runs the commands after `-exec`, `-execdir`, `-ok`.
    Find,
    /// `su`: switches user.
    Su,
    /// `git`: subcommands that run commands (`submodule foreach`, `rebase --exec`, `bisect
    /// run`).
    Git,
    /// `parallel`: runs its command with each input, or each input as a command.
    Parallel,
    /// Each operand is a shell script (`hyperfine 'cmd' 'cmd2'`).
    Scripts,
    /// `fd -x CMD`, `fd -X CMD`: runs the command after the flag.
    FdExec,
}

/// One program's arguments, split once with its option spec, as every question about it sees
/// them.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    /// The program's basename.
    pub prog: &'a str,
    /// The arguments after the program name.
    pub args: &'a [Word],
    /// The arguments parsed with the program's [`OptSpec`].
    pub opts: Parsed<'a>,
}

impl<'a> Call<'a> {
    /// Parses `args` with `spec`.
    pub(crate) fn new(prog: &'a str, args: &'a [Word], spec: &OptSpec) -> Self {
        Call {
            prog,
            args,
            opts: args::parse(args, spec),
        }
    }

    /// The operands' texts.
    pub(crate) fn operands(&self) -> impl DoubleEndedIterator<Item = &'a str> + '_ {
        self.opts.operands.iter().map(|w| w.text.as_str())
    }

    /// The first word that does not start with `-` (a subcommand, for programs whose options
    /// take no value).
    pub(crate) fn first_plain(&self) -> Option<&'a str> {
        self.args
            .iter()
            .find(|w| !w.text.starts_with('-'))
            .map(|w| w.text.as_str())
    }
}

/// A finding for every invocation of a program: `{prog} {why}`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flag {
    /// How serious.
    pub decision: Decision,
    /// The rule id.
    pub rule: &'static str,
    /// Said after the program's name.
    pub why: &'static str,
}

impl Flag {
    /// A `block` finding.
    pub(crate) const fn block(rule: &'static str, why: &'static str) -> Option<Flag> {
        Some(Flag {
            decision: Decision::Block,
            rule,
            why,
        })
    }

    /// An `escalate` finding.
    pub(crate) const fn escalate(rule: &'static str, why: &'static str) -> Option<Flag> {
        Some(Flag {
            decision: Decision::Escalate,
            rule,
            why,
        })
    }

    /// The finding for an invocation of `prog`.
    pub(crate) fn reason(&self, prog: &str) -> Reason {
        Reason::new(self.decision, self.rule, cat!(prog, " ", self.why))
    }
}

/// Files a program writes, for the persistence check.
pub(crate) type Writes = for<'a> fn(&Call<'a>) -> Vec<&'a str>;

/// Everything the classifier knows about one program (or a family of programs that behave
/// alike). Each entry lives in the room of its family; `programs::PROGRAMS` lists the rooms.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Program {
    /// The basenames it is called by.
    pub names: &'static [&'static str],
    /// Bits from [`kind`].
    pub kind: u32,
    /// Which of its options take values.
    pub options: OptSpec,
    /// How it runs other code.
    pub runs: Runs,
    /// Whether an invocation is read-only (for programs with [`kind::READONLY`]).
    pub model: Option<fn(&Call<'_>) -> Model>,
    /// A finding every invocation gets, whatever its arguments.
    pub flag: Option<Flag>,
    /// Dangers of one invocation that hold whatever wraps it.
    pub dangers: Option<fn(&Call<'_>, &mut Vec<Reason>)>,
    /// Files it writes.
    pub writes: Option<Writes>,
    /// Whether it prints the environment (credentials).
    pub dumps_env: Option<fn(&Call<'_>) -> bool>,
    /// Whether it decodes or decompresses its input (obfuscated payloads).
    pub decodes: Option<fn(&Call<'_>) -> bool>,
    /// What its output looks like, when a substitution passes it to another command (text of
    /// any shape when not said).
    pub output: Option<fn(&Call<'_>) -> Shape>,
    /// Whether, reading only its input, it prints some of the input's lines as they are
    /// (`head -n 1`, `sort -u`, `grep x`): its output then has the shape of its input.
    pub selects: Option<fn(&Call<'_>) -> bool>,
    /// Whether this invocation works locally although the program can reach the network
    /// (`openssl x509`, not `openssl s_client`).
    pub offline: Option<fn(&Call<'_>) -> bool>,
    /// Whether it prints only what it parses from the files named to it, never their bytes
    /// (`openssl x509 -in cert.pem`): naming a credential file to it is no read of it.
    pub parses_only: Option<fn(&Call<'_>) -> bool>,
}

impl Program {
    /// An entry that knows nothing: the base every entry spells its differences from.
    pub(crate) const NONE: Program = Program {
        names: &[],
        kind: 0,
        options: OptSpec::NONE,
        runs: Runs::Nothing,
        model: None,
        flag: None,
        dangers: None,
        writes: None,
        dumps_env: None,
        decodes: None,
        output: None,
        selects: None,
        offline: None,
        parses_only: None,
    };

    /// Programs that share only their kind.
    pub(crate) const fn of(names: &'static [&'static str], kind: u32) -> Program {
        Program {
            names,
            kind,
            ..Program::NONE
        }
    }

    /// Whether this invocation fetches, sends or connects over the network.
    pub(crate) fn reaches_network(&self, call: &Call<'_>) -> bool {
        self.kind & (kind::FETCHER | kind::NETWORK | kind::SENDS) != 0
            && !self.offline.is_some_and(|f| f(call))
    }

    /// Whether every bit of `k` is set.
    pub(crate) fn is(&self, k: u32) -> bool {
        self.kind & k == k
    }
}

/// An answer that holds for every invocation (`gunzip` always decodes).
pub(crate) fn always(_: &Call<'_>) -> bool {
    true
}

/// Output of plain words (numbers, names, dates).
pub(crate) fn tokens(_: &Call<'_>) -> Shape {
    Shape::Token
}

/// Output of paths that cannot start with `-` (absolute, or under a named directory).
pub(crate) fn paths(_: &Call<'_>) -> Shape {
    Shape::Paths
}

/// Output of names relative to the working directory (one may start with `-`).
pub(crate) fn names(_: &Call<'_>) -> Shape {
    Shape::Names
}

/// Adds a `block` finding.
pub(crate) fn block(out: &mut Vec<Reason>, rule: &'static str, msg: String) {
    out.push(Reason::new(Decision::Block, rule, msg));
}

/// Adds an `escalate` finding.
pub(crate) fn escalate(out: &mut Vec<Reason>, rule: &'static str, msg: String) {
    out.push(Reason::new(Decision::Escalate, rule, msg));
}

/// The first of `names` given as a long option, spelled out (`--output`).
pub(crate) fn any_long(p: &Parsed<'_>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find(|n| p.has_long(n))
        .map(|n| format!("--{n}"))
}
