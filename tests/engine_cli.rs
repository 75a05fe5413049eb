//! End-to-end tests of `cf run`, `cf tasks` and `cf completion`, driving the real binary on the
//! bundled word-count tasks (`cf_engine::demo`), which write real files into a fresh store.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

const CF: &str = env!("CARGO_BIN_EXE_cf");

struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    /// A fresh working directory with text files `name -> content`.
    fn with_files(files: &[(&str, &[u8])]) -> Dir {
        let tmp = tempfile::tempdir().unwrap();
        for (name, content) in files {
            std::fs::write(tmp.path().join(name), content).unwrap();
        }
        Dir { tmp }
    }

    fn path(&self) -> &Path {
        self.tmp.path()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(CF);
        cmd.args(args)
            .current_dir(self.path())
            .env("CF_STORE", self.path().join("store"))
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        cmd
    }

    fn cf(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// The single output directory of `family` in the store.
    fn out_dir(&self, family: &str) -> PathBuf {
        let base = self.path().join("store").join(family).join("v1");
        let mut dirs: Vec<_> = std::fs::read_dir(&base)
            .unwrap_or_else(|e| panic!("{}: {e}", base.display()))
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(
            dirs.len(),
            1,
            "one output directory expected in {}",
            base.display()
        );
        dirs.pop().unwrap()
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn describe(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        stdout(out),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The number after `<label>: ` in the execution summary.
fn count(out: &Output, label: &str) -> usize {
    let text = stdout(out);
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(&format!("{label}: ")))
        .unwrap_or_else(|| panic!("no `{label}` in summary:\n{}", describe(out)));
    line[label.len() + 2..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn mtime(path: &Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".cf-tmp"))
                .collect()
        })
        .unwrap_or_default()
}

fn word_counts(text: &str) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        *counts.entry(w.to_lowercase()).or_default() += 1;
    }
    counts
}

const A: &str = "The cat sat on the mat";
const B: &str = "the dog and the cat";
const C: &str = "a bird";

#[test]
fn complete_tasks_are_not_run_again() {
    let dir = Dir::with_files(&[("a.txt", A.as_bytes()), ("b.txt", B.as_bytes())]);
    let args = [
        "run",
        "MergeCounts",
        "--inputs",
        "a.txt,b.txt",
        "--workers",
        "2",
    ];
    let first = dir.cf(&args);
    assert_eq!(first.status.code(), Some(0), "{}", describe(&first));
    assert_eq!(count(&first, "ran"), 3, "{}", describe(&first));

    let merged_path = dir.out_dir("MergeCounts").join("merged.json");
    let merged: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&merged_path).unwrap()).unwrap();
    let mut expected = word_counts(A);
    for (w, n) in word_counts(B) {
        *expected.entry(w).or_default() += n;
    }
    for (word, n) in &expected {
        assert_eq!(merged["counts"][word].as_u64(), Some(*n), "count of {word}");
    }
    let before = mtime(&merged_path);

    let second = dir.cf(&args);
    assert_eq!(second.status.code(), Some(0), "{}", describe(&second));
    assert_eq!(count(&second, "ran"), 0, "{}", describe(&second));
    assert_eq!(count(&second, "already done"), 1, "{}", describe(&second));
    assert_eq!(mtime(&merged_path), before);

    // Only the missing output of a partially removed workflow is produced again.
    let counts_dir = dir.out_dir("CountWords");
    std::fs::remove_file(counts_dir.join("counts_1.json")).unwrap();
    std::fs::remove_file(&merged_path).unwrap();
    let third = dir.cf(&args);
    assert_eq!(third.status.code(), Some(0), "{}", describe(&third));
    assert_eq!(count(&third, "ran"), 2, "{}", describe(&third));
    assert!(merged_path.exists());
}

#[test]
fn killed_run_resumes_with_only_missing_outputs() {
    let names: Vec<String> = (0..5).map(|i| format!("f{i}.txt")).collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), A.as_bytes())).collect();
    let dir = Dir::with_files(&files);
    let inputs = names.join(",");
    let mut child = dir
        .command(&[
            "run",
            "CountWords",
            "--inputs",
            &inputs,
            "--write-delay-ms",
            "600",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until at least one branch is complete and the next one is half written.
    let deadline = Instant::now() + Duration::from_secs(30);
    let out_dir = loop {
        assert!(Instant::now() < deadline, "the run made no progress");
        std::thread::sleep(Duration::from_millis(20));
        let base = dir.path().join("store/CountWords/v1");
        let Some(out) = std::fs::read_dir(&base)
            .ok()
            .and_then(|mut d| d.next())
            .map(|e| e.unwrap().path())
        else {
            continue;
        };
        if out.join("counts_0.json").exists() && !temporaries(&out).is_empty() {
            break out;
        }
    };
    child.kill().unwrap();
    child.wait().unwrap();

    let complete: Vec<PathBuf> = (0..5)
        .map(|i| out_dir.join(format!("counts_{i}.json")))
        .filter(|p| p.exists())
        .collect();
    assert!(!complete.is_empty() && complete.len() < 5);
    assert!(
        !temporaries(&out_dir).is_empty(),
        "the kill hit a write in progress"
    );
    for path in &complete {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap())
            .unwrap_or_else(|e| panic!("{} is not complete JSON: {e}", path.display()));
        assert!(v["counts"].is_object());
    }
    let before: Vec<SystemTime> = complete.iter().map(|p| mtime(p)).collect();

    let rerun = dir.cf(&["run", "CountWords", "--inputs", &inputs]);
    assert_eq!(rerun.status.code(), Some(0), "{}", describe(&rerun));
    assert_eq!(
        count(&rerun, "ran"),
        5 - complete.len(),
        "{}",
        describe(&rerun)
    );
    // The complete branches, plus the (external) input files of the branches that ran.
    let inputs_checked = 5 - complete.len();
    assert_eq!(
        count(&rerun, "already done"),
        complete.len() + inputs_checked
    );
    let after: Vec<SystemTime> = complete.iter().map(|p| mtime(p)).collect();
    assert_eq!(before, after, "complete outputs were rewritten");
    assert_eq!(temporaries(&out_dir), Vec::<String>::new());
    for i in 0..5 {
        let path = out_dir.join(format!("counts_{i}.json"));
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(v["words"].as_u64(), Some(6));
    }
}

#[test]
fn failure_stops_dependents_only() {
    let dir = Dir::with_files(&[
        ("a.txt", A.as_bytes()),
        ("bad.txt", b"\xff\xfe not utf-8"),
        ("c.txt", C.as_bytes()),
    ]);
    let out = dir.cf(&[
        "run",
        "MergeCounts",
        "--inputs",
        "a.txt,bad.txt,c.txt",
        "--workers",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let text = stdout(&out);
    assert_eq!(count(&out, "ran"), 2, "{}", describe(&out));
    assert_eq!(
        count(&out, "failed"),
        2,
        "branch and workflow: {}",
        describe(&out)
    );
    assert_eq!(count(&out, "not run (failed dependency)"), 1);
    assert!(text.contains("branch=1): text in bad.txt"), "{text}");
    assert!(text.contains(
        "MergeCounts(inputs=a.txt,bad.txt,c.txt, version=v1, top=10): requires CountWords"
    ));
    let counts = dir.out_dir("CountWords");
    assert!(counts.join("counts_0.json").exists());
    assert!(!counts.join("counts_1.json").exists());
    assert!(counts.join("counts_2.json").exists());
    assert!(!dir.path().join("store/MergeCounts").exists());

    // A tolerance on the required workflow lets the merge go ahead with what exists.
    let tolerant = dir.cf(&[
        "run",
        "MergeCounts",
        "--inputs",
        "a.txt,bad.txt,c.txt",
        "--CountWords-tolerance",
        "1",
        "--CountWords-acceptance",
        "2",
    ]);
    assert_eq!(tolerant.status.code(), Some(0), "{}", describe(&tolerant));
    let merged: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.out_dir("MergeCounts").join("merged.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(merged["files"], 2);
}

#[test]
fn exit_codes_are_distinct() {
    let dir = Dir::with_files(&[("a.txt", A.as_bytes())]);
    let missing = dir.cf(&["run", "MergeCounts", "--inputs", "a.txt,nothere.txt"]);
    assert_eq!(missing.status.code(), Some(3), "{}", describe(&missing));
    assert_eq!(count(&missing, "missing input"), 1);
    assert!(stdout(&missing).contains("nothere.txt does not exist"));

    let bad = dir.cf(&["run", "MergeCounts", "--inputs", "a.txt", "--top", "many"]);
    assert_eq!(bad.status.code(), Some(2), "{}", describe(&bad));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`top`"));
    let unknown = dir.cf(&["run", "NoSuchTask"]);
    assert_eq!(unknown.status.code(), Some(2));
    let no_flag = dir.cf(&["run", "MergeCounts", "--inputs", "a.txt", "--colour", "red"]);
    assert_eq!(no_flag.status.code(), Some(2), "{}", describe(&no_flag));
    let required = dir.cf(&["run", "MergeCounts"]);
    assert_eq!(required.status.code(), Some(2), "{}", describe(&required));
    assert!(!dir.path().join("store/MergeCounts").exists());
}

#[test]
fn branch_and_branches_select_work() {
    let dir = Dir::with_files(&[
        ("a.txt", A.as_bytes()),
        ("b.txt", B.as_bytes()),
        ("c.txt", C.as_bytes()),
        ("d.txt", A.as_bytes()),
    ]);
    let inputs = "a.txt,b.txt,c.txt,d.txt";
    let one = dir.cf(&["run", "CountWords", "--inputs", inputs, "--branch", "2"]);
    assert_eq!(one.status.code(), Some(0), "{}", describe(&one));
    assert_eq!(count(&one, "ran"), 1);
    let out = dir.out_dir("CountWords");
    let present = |i: usize| out.join(format!("counts_{i}.json")).exists();
    assert_eq!(
        (present(0), present(1), present(2), present(3)),
        (false, false, true, false)
    );
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("counts_2.json")).unwrap()).unwrap();
    assert_eq!(v["words"].as_u64(), Some(2), "branch 2 counts c.txt");

    let some = dir.cf(&[
        "run",
        "CountWords",
        "--inputs",
        inputs,
        "--branches",
        "0,2:4",
    ]);
    assert_eq!(some.status.code(), Some(0), "{}", describe(&some));
    assert_eq!(count(&some, "ran"), 2, "{}", describe(&some));
    assert!(stdout(&some).contains("3/3 branches complete"));
    assert_eq!(
        (present(0), present(1), present(2), present(3)),
        (true, false, true, true)
    );

    let bad = dir.cf(&["run", "CountWords", "--inputs", inputs, "--branch", "9"]);
    assert_eq!(bad.status.code(), Some(2), "{}", describe(&bad));
}

#[test]
fn inspection_flags_report_and_act() {
    let dir = Dir::with_files(&[("a.txt", A.as_bytes()), ("b.txt", B.as_bytes())]);
    let base = ["run", "MergeCounts", "--inputs", "a.txt,b.txt,c.txt"];
    let with = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        dir.cf(&args)
    };

    let deps = with(&["--print-deps", "-1"]);
    assert_eq!(deps.status.code(), Some(0), "{}", describe(&deps));
    let text = stdout(&deps);
    assert!(text.contains("0 > MergeCounts(inputs=a.txt,b.txt,c.txt, version=v1, top=10)"));
    assert!(text.contains("  1 > CountWords(inputs=a.txt,b.txt,c.txt, version=v1, branch=-1)"));
    assert!(text.contains("    2 > TextFile(path=c.txt)"), "{text}");
    let shallow = stdout(&with(&["--print-deps", "0"]));
    assert!(!shallow.contains("CountWords"), "{shallow}");

    let ran = dir.cf(&[
        "run",
        "CountWords",
        "--inputs",
        "a.txt,b.txt,c.txt",
        "--branch",
        "0",
    ]);
    assert_eq!(ran.status.code(), Some(0), "{}", describe(&ran));

    let status = stdout(&with(&["--print-status", "-1"]));
    assert!(status.contains("merged.json: absent"), "{status}");
    assert!(status.contains("SiblingFileCollection("), "{status}");
    assert!(status.contains("absent (1/3)"), "{status}");
    assert!(status.contains("a.txt (external): existent"), "{status}");
    assert!(status.contains("c.txt (external): absent"), "{status}");
    let members = stdout(&with(&["--print-status", "1,1"]));
    assert!(members.contains("counts_0.json: existent"), "{members}");
    assert!(members.contains("counts_2.json: absent"), "{members}");
    assert!(!members.contains("TextFile"), "{members}");

    let outputs = stdout(&with(&["--print-output", "1"]));
    let lines: Vec<&str> = outputs.lines().collect();
    assert_eq!(lines.len(), 5, "{outputs}");
    assert!(lines[0].ends_with("merged.json") && lines[4].ends_with("counts_2.json"));

    let counts_0 = dir.out_dir("CountWords").join("counts_0.json");
    let fetched = with(&["--fetch-output", "1,a,fetched"]);
    assert_eq!(fetched.status.code(), Some(0), "{}", describe(&fetched));
    assert_eq!(
        std::fs::read(dir.path().join("fetched/counts_0.json")).unwrap(),
        std::fs::read(&counts_0).unwrap()
    );

    // stdin is not a terminal: no prompt, a dry run.
    let dry = with(&["--remove-output", "1"]);
    assert_eq!(dry.status.code(), Some(0), "{}", describe(&dry));
    assert!(stdout(&dry).contains("would remove"), "{}", describe(&dry));
    assert!(counts_0.exists());
    let dry = with(&["--remove-output", "1,d"]);
    assert!(stdout(&dry).contains("would remove"));
    assert!(counts_0.exists());
    let removed = with(&["--remove-output", "1,a"]);
    assert_eq!(removed.status.code(), Some(0), "{}", describe(&removed));
    assert!(!counts_0.exists());
    assert!(
        dir.path().join("a.txt").exists(),
        "external inputs are never removed"
    );

    let bad = with(&["--print-status", "x"]);
    assert_eq!(bad.status.code(), Some(2), "{}", describe(&bad));
}

#[test]
fn concurrent_runs_never_run_a_task_twice() {
    let names: Vec<String> = (0..6).map(|i| format!("f{i}.txt")).collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), B.as_bytes())).collect();
    let dir = Dir::with_files(&files);
    let inputs = names.join(",");
    let args = [
        "run",
        "CountWords",
        "--inputs",
        &inputs,
        "--workers",
        "3",
        "--write-delay-ms",
        "150",
    ];
    let first = dir.command(&args).stdout(Stdio::piped()).spawn().unwrap();
    let second = dir.command(&args).stdout(Stdio::piped()).spawn().unwrap();
    let first = first.wait_with_output().unwrap();
    let second = second.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", describe(&first));
    assert_eq!(second.status.code(), Some(0), "{}", describe(&second));
    assert_eq!(
        count(&first, "ran") + count(&second, "ran"),
        6,
        "each branch runs exactly once:\n{}\n{}",
        describe(&first),
        describe(&second)
    );
    let out = dir.out_dir("CountWords");
    for i in 0..6 {
        assert!(out.join(format!("counts_{i}.json")).exists());
    }
    assert!(temporaries(&out).is_empty());
}

#[test]
fn help_tasks_and_completion() {
    let dir = Dir::with_files(&[]);
    let help = dir.cf(&["run", "CountWords", "--help"]);
    assert_eq!(help.status.code(), Some(0), "{}", describe(&help));
    let text = stdout(&help);
    for needle in [
        "--inputs",
        "comma-separated paths of the text files to count",
        "--version",
        "[default: v1]",
        "--write-delay-ms",
        "--branches",
        "--acceptance",
        "--TextFile-path",
        "--print-status",
        "--remove-output",
        "--workers",
    ] {
        assert!(text.contains(needle), "`{needle}` missing from:\n{text}");
    }
    let tasks = stdout(&dir.cf(&["tasks"]));
    for family in ["CountWords", "MergeCounts", "TextFile"] {
        assert!(tasks.contains(family), "{tasks}");
    }
    let run_help = stdout(&dir.cf(&["run", "--help"]));
    assert!(run_help.contains("MergeCounts"), "{run_help}");
    for shell in ["bash", "zsh", "fish"] {
        let script = dir.cf(&["completion", shell]);
        assert_eq!(script.status.code(), Some(0), "{}", describe(&script));
        assert!(
            stdout(&script).contains("tasks"),
            "{shell} completion names the subcommands"
        );
    }
}

#[test]
fn a_bare_boolean_flag_does_not_swallow_the_next_option() {
    let dir = Dir::with_files(&[("a.txt", b"one two")]);
    let out = dir.cf(&["run", "CountWords", "--pilot", "--inputs", "a.txt"]);
    assert!(out.status.success(), "{}", describe(&out));
    let out = dir.cf(&["run", "CountWords", "--pilot", "false", "--inputs", "a.txt"]);
    assert!(out.status.success(), "{}", describe(&out));
}
