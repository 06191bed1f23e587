//! The README keeps its promises: the try-out commands between its `try-out` markers run as
//! written (through the binary, in a temp dir outside the repository, nothing else given) and
//! succeed; it stays under 16 KB; and no link of the README or `docs/` points outside the
//! repository or at a file that is not there.

use crate::harness;

fn readme() -> String {
    std::fs::read_to_string(harness::root().join("README.md")).unwrap_or_else(|error| panic!("README.md: {error}"))
}

/// The commands between `<!-- try-out:start -->` and `<!-- try-out:end -->`.
fn try_out_commands(text: &str) -> Vec<Vec<String>> {
    let start = text.find("<!-- try-out:start -->").unwrap_or_else(|| panic!("no try-out:start marker"));
    let end = text.find("<!-- try-out:end -->").unwrap_or_else(|| panic!("no try-out:end marker"));
    text[start..end]
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("umapi-bulk "))
        .map(|line| line.split_whitespace().skip(1).map(str::to_string).collect())
        .collect()
}

#[test]
fn the_try_out_commands_run_as_written_outside_the_repository() {
    let commands = try_out_commands(&readme());
    assert_eq!(commands.len(), 3, "the README promises a three-command try-out: {commands:?}");
    let dir = harness::temp_dir();
    assert!(!dir.path().starts_with(harness::root()), "the temp dir must be outside the repository");
    for args in &commands {
        let output = harness::umapi_bulk(dir.path()).args(args).output().unwrap_or_else(|error| panic!("{error}"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "umapi-bulk {}:\n{stderr}", args.join(" "));
    }
    let runs = std::fs::read_dir(dir.path().join("runs")).map(Iterator::count).unwrap_or(0);
    assert_eq!(runs, 1, "the third command writes one run folder");
}

#[test]
fn the_readme_stays_under_16_kb() {
    let size = readme().len();
    assert!(size < 16 * 1024, "README.md is {size} bytes; reference material belongs in docs/");
}

#[test]
fn no_link_points_outside_the_repository_or_at_nothing() {
    let root = harness::root();
    let mut files = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).into_iter().flatten().flatten() {
        if entry.path().extension().is_some_and(|extension| extension == "md") {
            files.push(entry.path());
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let folder = file.parent().unwrap_or(&root).to_path_buf();
        for (at, _) in text.match_indices("](") {
            let rest = &text[at + 2..];
            let target = rest[..rest.find(')').unwrap_or(rest.len())].trim();
            let path = target.split('#').next().unwrap_or_default();
            assert!(!target.contains("://"), "{}: link to {target} leaves the repository", file.display());
            if path.is_empty() {
                continue;
            }
            let resolved = folder.join(path);
            assert!(resolved.exists(), "{}: link to {target}, which does not exist", file.display());
            let canonical = resolved.canonicalize().unwrap_or_default();
            assert!(canonical.starts_with(root.canonicalize().unwrap_or_default()), "{}: {target}", file.display());
        }
    }
}
