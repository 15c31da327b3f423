//! Where the shell may be: the directories a command's scripts are looked up from, relative to
//! the directory the command starts in.
//!
//! A `cd` moves the shell, and a file named after it (`cd sub && sh x.sh`) is found from the
//! new directory. A `cd` may also fail (`cd sub; sh x.sh` runs `x.sh` from the start when
//! there is no `sub`), so the shell may be in several places: every one is kept, and a script
//! is listed from each. Where the place cannot be known (`cd "$D"`, `cd -`, `cd ~`, a loop
//! that keeps moving), a script named relative to it cannot be bound, and says why.
//!
//! `cd` is logical, as bash's is by default (`cd a/..` is where it started). The file a path
//! names is not: the kernel resolves `x/../y` through `x`, which may be a symbolic link, so a
//! script path that climbs back out of a directory is never bound by its spelling.

use crate::args::join_path;

/// Most places kept; beyond it, the shell may be anywhere.
const MAX_PLACES: usize = 8;

/// One place the shell may be in.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    /// A path relative to the start (normalized, `..` only leading) or absolute.
    Path(String),
    /// Under the home directory, which the gateway does not bind.
    Home,
    /// Decided at run time (why).
    Unknown(String),
}

/// Where a script a command names is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    /// The path from the start (as written when the shell has not moved).
    Path(String),
    /// It cannot be bound (why, to finish the sentence "… is run from …").
    Unbound(String),
}

/// The places the shell may be in, and its directory stack (`pushd`/`popd`). `None` means
/// "where it started, no stack, nothing set": most commands never move, and cloning, comparing
/// and dropping it for every list, pipeline stage and subshell then costs next to nothing.
///
/// Two `Dirs` are equal when the shell is in the same places: whether `PATH` was changed is
/// carried along (a subshell's change is dropped with its copy) but does not move the shell.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dirs(Option<Box<State>>);

/// Where the shell may be once it has moved (or once a setting that changes how `cd` moves it
/// was seen). Empty lists mean "where it started" and "no stack".
#[derive(Debug, Clone, Default)]
struct State {
    places: Vec<Place>,
    stack: Vec<Vec<Place>>,
    /// `set -P`: `cd` resolves `..` through the file system, not by its spelling.
    physical: bool,
    /// A file sourced earlier (`source env.sh`) may have moved the shell: what it was.
    sourced: Option<String>,
    /// `CDPATH` was set: `cd NAME` may go to a directory found on it.
    searched: bool,
    /// `PATH` was set (the assignment, as written): a name without a slash may be found in a
    /// directory the command chose.
    path: Option<String>,
}

/// The state of a shell that has not moved.
static UNMOVED: State = State {
    places: Vec::new(),
    stack: Vec::new(),
    physical: false,
    sourced: None,
    searched: false,
    path: None,
};

impl PartialEq for State {
    fn eq(&self, o: &State) -> bool {
        self.places == o.places
            && self.stack == o.stack
            && self.physical == o.physical
            && self.sourced == o.sourced
            && self.searched == o.searched
    }
}

impl PartialEq for Dirs {
    fn eq(&self, other: &Dirs) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            _ => self.state() == other.state(),
        }
    }
}

impl Eq for Dirs {}

static START: Place = Place::Path(String::new());

fn start() -> Place {
    Place::Path(".".into())
}

/// Whether a path climbs back out of a directory it entered (`a/../x`): which file it names
/// then depends on whether `a` is a symbolic link.
fn climbs_out(path: &str) -> bool {
    climbs_out_of(path.split('/'))
}

/// Whether `dir/path` climbs back out of a directory it entered, without joining the two.
fn climbs_out_joined(dir: &str, path: &str) -> bool {
    climbs_out_of(dir.split('/').chain(path.split('/')))
}

fn climbs_out_of<'a>(segments: impl Iterator<Item = &'a str>) -> bool {
    let mut inside = 0usize;
    for seg in segments {
        match seg {
            "" | "." => {}
            ".." if inside > 0 => return true,
            ".." => {}
            _ => inside += 1,
        }
    }
    false
}

impl Dirs {
    fn state(&self) -> &State {
        self.0.as_deref().unwrap_or(&UNMOVED)
    }

    fn state_mut(&mut self) -> &mut State {
        self.0.get_or_insert_with(Box::default)
    }

    /// Whether the shell is surely where it started.
    #[cfg(test)]
    pub(crate) fn at_start(&self) -> bool {
        self.state().places.is_empty() && self.state().sourced.is_none()
    }

    /// Adds every place of `other` (and its stack) to these: the shell is in one or the other.
    pub(crate) fn union(&mut self, other: &Dirs) {
        if self == other {
            if self.path_changed().is_none()
                && let Some(p) = other.path_changed()
            {
                self.set_path(p.to_owned());
            }
            return;
        }
        self.state_mut().union(other.state());
    }

    /// The shell (its stack and settings kept) in a directory decided at run time (why): a
    /// command another program runs from a directory of its choosing (`find -execdir`, a git
    /// alias, which runs from the repository's top directory).
    pub(crate) fn elsewhere(&self, why: String) -> Dirs {
        let mut out = self.clone();
        out.state_mut().set(vec![Place::Unknown(why)]);
        out
    }

    /// `PATH=…` (as written): later names without a slash may be found elsewhere.
    pub(crate) fn set_path(&mut self, shown: String) {
        let state = self.state_mut();
        if state.path.is_none() {
            state.path = Some(shown);
        }
    }

    /// The assignment to `PATH` made earlier in the command, if any.
    pub(crate) fn path_changed(&self) -> Option<&str> {
        self.state().path.as_deref()
    }

    /// The shell may now be anywhere (why).
    pub(crate) fn anywhere(&mut self, why: String) {
        self.state_mut().anywhere(why);
    }

    /// `source FILE`: the file runs in this shell and may move it.
    pub(crate) fn sourced(&mut self, what: &str) {
        let state = self.state_mut();
        if state.sourced.is_none() {
            state.sourced = Some(what.to_owned());
        }
    }

    /// `CDPATH=…`: later relative `cd`s may go elsewhere.
    pub(crate) fn search_path(&mut self) {
        self.state_mut().searched = true;
    }

    /// `set -P` / `set +P` (and `-o physical`).
    pub(crate) fn set_physical(&mut self, on: bool) {
        self.state_mut().physical = on;
    }

    /// Where `cd TARGET` goes from each place when it succeeds. `target`: `None` for home,
    /// `Err(why)` when decided at run time.
    pub(crate) fn moved(&self, target: Result<Option<&str>, String>, physical: bool) -> Dirs {
        Dirs(Some(Box::new(self.state().moved(target, physical))))
    }

    /// `pushd DIR` when it succeeds: the places it leaves go on the stack.
    pub(crate) fn pushed(&self, to: Dirs) -> Dirs {
        let mut out = to;
        let here = self.state().places().to_vec();
        out.state_mut().stack.push(here);
        out
    }

    /// `popd`: back to where the last `pushd` left from, or, if it failed or there was none,
    /// still here.
    pub(crate) fn popped(&mut self) {
        if let Some(state) = &mut self.0 {
            state.popped();
        }
    }

    /// Where the file `path` (as a command names it) is, from each place the shell may be.
    /// A path that climbs back out of a directory (`sub/../x`) keeps its spelling: the
    /// kernel resolves it through `sub`, which may be a symbolic link, and the gateway
    /// compares what it names with what it says before binding it.
    pub(crate) fn find(&self, path: &str) -> Vec<Found> {
        self.state().find(path)
    }

    /// The file sourced earlier that may have moved the shell, if any.
    pub(crate) fn sourced_before(&self) -> Option<&str> {
        self.state().sourced.as_deref()
    }
}

impl State {
    fn places(&self) -> &[Place] {
        if self.places.is_empty() {
            std::slice::from_ref(&START)
        } else {
            &self.places
        }
    }

    fn set(&mut self, places: Vec<Place>) {
        self.places = places;
        if self.places.iter().all(|p| *p == START || *p == start()) {
            self.places.clear();
        }
    }

    fn union(&mut self, other: &State) {
        if self.path.is_none() {
            self.path.clone_from(&other.path);
        }
        let mut places: Vec<Place> = self.places().to_vec();
        add_all(&mut places, other.places());
        self.set(places);
        for (k, level) in other.stack.iter().enumerate() {
            match self.stack.get_mut(k) {
                Some(mine) => add_all(mine, level),
                None => self.stack.push(level.clone()),
            }
        }
        self.physical |= other.physical;
        self.searched |= other.searched;
        if self.sourced.is_none() {
            self.sourced.clone_from(&other.sourced);
        }
    }

    fn anywhere(&mut self, why: String) {
        let mut places = self.places().to_vec();
        add(&mut places, Place::Unknown(why));
        self.set(places);
    }

    fn moved(&self, target: Result<Option<&str>, String>, physical: bool) -> State {
        let physical = physical || self.physical;
        let mut places = Vec::new();
        for p in self.places() {
            let next = match (&target, p) {
                (Err(why), _) => Place::Unknown(why.clone()),
                (Ok(None), _) => Place::Home,
                (Ok(Some(t)), _) if t.starts_with('~') => Place::Home,
                (Ok(Some(t)), _) if self.searched && !t.starts_with(['/', '.']) => {
                    Place::Unknown(cat!("`cd ", t, "` with CDPATH set"))
                }
                (Ok(Some(t)), _) if t.starts_with('/') => {
                    if physical && climbs_out(t) {
                        Place::Unknown(cat!("`cd -P ", t, "`"))
                    } else {
                        Place::Path(join_path("/", t))
                    }
                }
                (Ok(Some(t)), Place::Path(here)) => {
                    let here = if here.is_empty() { "." } else { here.as_str() };
                    if physical && climbs_out_joined(here, t) {
                        Place::Unknown(cat!("`cd -P ", t, "`"))
                    } else {
                        Place::Path(join_path(here, t))
                    }
                }
                (Ok(Some(_)), other) => other.clone(),
            };
            add(&mut places, next);
        }
        let mut out = self.clone();
        out.set(places);
        out
    }

    fn popped(&mut self) {
        if let Some(level) = self.stack.pop() {
            let mut places = self.places().to_vec();
            add_all(&mut places, &level);
            self.set(places);
        }
    }

    fn find(&self, path: &str) -> Vec<Found> {
        if path.starts_with('~') {
            return vec![Found::Unbound("the home directory".into())];
        }
        if path.starts_with('/') || self.places.is_empty() {
            return vec![Found::Path(path.to_owned())];
        }
        let mut out: Vec<Found> = Vec::new();
        for p in self.places() {
            let f = match p {
                Place::Path(here) if here.is_empty() || here == "." => Found::Path(path.to_owned()),
                Place::Path(here) if climbs_out_joined(here, path) => {
                    Found::Path(cat!(here.trim_end_matches('/'), "/", path))
                }
                Place::Path(here) => Found::Path(join_path(here, path)),
                Place::Home => Found::Unbound("the home directory (after `cd ~` or `cd`)".into()),
                Place::Unknown(why) => {
                    Found::Unbound(cat!("a directory decided at run time (after ", why, ")"))
                }
            };
            if !out.contains(&f) {
                out.push(f);
            }
        }
        out
    }
}

/// Where a pipeline leaves the shell when it succeeds and when it fails, from where it
/// started and where walking it left the shell. `moves`: it is one `cd`, `pushd` or `popd`,
/// which moves the shell only when it succeeds. Any other pipeline that moved the shell may
/// have failed before or after its move.
pub(crate) fn outcome(start: &Dirs, after: Dirs, moves: bool) -> (Dirs, Dirs) {
    if moves {
        return (after, start.clone());
    }
    if after == *start {
        return (after.clone(), after);
    }
    let mut both = start.clone();
    both.union(&after);
    (both.clone(), both)
}

fn add(places: &mut Vec<Place>, p: Place) {
    let p = if p == START { start() } else { p };
    if places.contains(&p) {
        return;
    }
    if places.len() + 1 >= MAX_PLACES && !matches!(p, Place::Unknown(_)) {
        let many = Place::Unknown("more changes of directory than are followed".into());
        if !places.contains(&many) {
            places.push(many);
        }
        return;
    }
    places.push(p);
}

fn add_all(places: &mut Vec<Place>, more: &[Place]) {
    for p in more {
        add(places, p.clone());
    }
}

/// What `cd`/`pushd` is given: its target and whether it resolves `..` physically (`-P`).
pub(crate) struct CdArgs<'a> {
    /// The operand (`None`: none, home).
    pub target: Option<&'a crate::syntax::Word>,
    /// `-P`.
    pub physical: bool,
    /// Options this model does not follow (`pushd -n`, `pushd +1`).
    pub other: bool,
}

/// Reads `cd [-L|-P] [-e] [-@] [--] [DIR]` (and `pushd`'s `-n`, `+N`, `-N`).
pub(crate) fn cd_args(args: &[crate::syntax::Word]) -> CdArgs<'_> {
    let mut out = CdArgs {
        target: None,
        physical: false,
        other: false,
    };
    let mut i = 0;
    while let Some(w) = args.get(i) {
        i += 1;
        let t = w.text.as_str();
        if t == "--" {
            out.target = args.get(i);
            break;
        }
        if t.starts_with('+') && t.len() > 1 {
            out.other = true;
            break;
        }
        if t.starts_with('-') && t.len() > 1 {
            if t[1..].bytes().all(|b| b.is_ascii_digit()) {
                out.other = true;
                break;
            }
            for c in t[1..].chars() {
                match c {
                    'P' => out.physical = true,
                    'L' => out.physical = false,
                    'e' | '@' => {}
                    _ => out.other = true,
                }
            }
            continue;
        }
        out.target = Some(w);
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(d: &Dirs, path: &str) -> Vec<String> {
        d.find(path)
            .into_iter()
            .map(|f| match f {
                Found::Path(p) => p,
                Found::Unbound(why) => cat!("!", why),
            })
            .collect()
    }

    #[test]
    fn places_follow_cd_and_its_failure() {
        let d = Dirs::default();
        assert!(d.at_start());
        assert_eq!(paths(&d, "./x.sh"), ["./x.sh"]);
        let sub = d.moved(Ok(Some("sub")), false);
        assert_eq!(paths(&sub, "x.sh"), ["sub/x.sh"]);
        assert_eq!(paths(&sub, "/abs/x"), ["/abs/x"]);
        let mut either = sub.clone();
        either.union(&d);
        assert_eq!(paths(&either, "./x.sh"), ["sub/x.sh", "./x.sh"]);
        let back = sub.moved(Ok(Some("..")), false);
        assert!(back.at_start(), "{back:?}");
        let up = d.moved(Ok(Some("..")), false);
        assert_eq!(paths(&up, "x"), ["../x"]);
        let home = d.moved(Ok(None), false);
        assert!(paths(&home, "x")[0].starts_with('!'));
        let dynamic = d.moved(Err("`cd $D`".into()), false);
        assert!(paths(&dynamic, "x")[0].contains("`cd $D`"));
        assert_eq!(paths(&dynamic, "/bin/x"), ["/bin/x"]);
    }

    #[test]
    fn paths_that_climb_out_of_a_directory_keep_their_spelling() {
        let d = Dirs::default();
        assert_eq!(paths(&d, "../x"), ["../x"]);
        assert_eq!(paths(&d, "a/../x"), ["a/../x"]);
        let sub = d.moved(Ok(Some("sub")), false);
        assert_eq!(paths(&sub, "../x"), ["sub/../x"]);
        let mut searched = Dirs::default();
        searched.search_path();
        assert!(paths(&searched.moved(Ok(Some("sub")), false), "x")[0].starts_with('!'));
        assert_eq!(
            paths(&searched.moved(Ok(Some("./sub")), false), "x"),
            ["sub/x"]
        );
        // `cd -P a/..` goes through the file system.
        let p = d.moved(Ok(Some("a/..")), true);
        assert!(paths(&p, "x")[0].starts_with('!'));
        let l = d.moved(Ok(Some("a/..")), false);
        assert_eq!(paths(&l, "x"), ["x"]);
    }

    #[test]
    fn climbing_out_of_a_joined_path_is_seen_without_joining_it() {
        for (dir, path) in [
            ("sub", "../x"),
            ("sub", "x"),
            ("..", "x"),
            (".", "../x"),
            ("a/..", "x"),
            ("", "a/../b"),
            ("/srv", ".."),
        ] {
            assert_eq!(
                climbs_out_joined(dir, path),
                climbs_out(&cat!(dir, "/", path)),
                "{dir} {path}"
            );
        }
    }

    #[test]
    fn the_stack_returns_to_where_pushd_left() {
        let d = Dirs::default();
        let mut pushed = d.pushed(d.moved(Ok(Some("sub")), false));
        assert_eq!(paths(&pushed, "x"), ["sub/x"]);
        pushed.popped();
        assert_eq!(paths(&pushed, "x"), ["sub/x", "x"]);
        let mut none = Dirs::default();
        none.popped();
        assert!(none.at_start());
    }

    #[test]
    fn elsewhere_binds_nothing_relative_and_path_does_not_move_the_shell() {
        let d = Dirs::default();
        let e = d.elsewhere("`find -execdir`".into());
        assert!(paths(&e, "x.sh")[0].starts_with('!'), "{e:?}");
        assert!(paths(&e, "./x.sh")[0].contains("`find -execdir`"));
        assert_eq!(paths(&e, "/opt/x.sh"), ["/opt/x.sh"]);
        let mut p = d.clone();
        p.set_path("PATH=sub:$PATH".into());
        assert_eq!(p, d);
        assert_eq!(p.path_changed(), Some("PATH=sub:$PATH"));
        let mut u = Dirs::default();
        u.union(&p);
        assert_eq!(u.path_changed(), Some("PATH=sub:$PATH"));
    }

    #[test]
    fn too_many_places_become_unknown() {
        let mut d = Dirs::default();
        for k in 0..20 {
            let next = d.moved(Ok(Some(&format!("d{k}"))), false);
            d.union(&next);
        }
        assert!(d.find("x").iter().any(|f| matches!(f, Found::Unbound(_))));
        assert!(d.state().places.len() <= MAX_PLACES);
    }
}
