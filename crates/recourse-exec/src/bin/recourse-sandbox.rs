//! The shell sandbox helper as its own binary (the `recourse` binary also serves as it, via
//! `recourse __sandbox`). See `recourse_exec::sandbox`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(recourse_exec::sandbox::helper_main(args));
}
