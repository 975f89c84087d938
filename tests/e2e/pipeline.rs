//! Pipeline files: the examples, overrides, and mistakes caught before a run.

use std::path::Path;

use crate::util::*;

/// Runs sluice from the workspace root, where the examples' paths start.
fn at_root(args: &[&str]) -> std::process::Output {
    sluice(args).current_dir(root()).output().unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// Expects exit 2 and one line on stderr that holds every `want`.
fn refused(out: &std::process::Output, want: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    for w in want {
        assert!(err.contains(w), "{err:?} lacks {w:?}");
    }
}

#[test]
fn every_example_validates_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut examples: Vec<_> =
        std::fs::read_dir(root().join("data/pipelines")).unwrap().map(|e| e.unwrap().path()).collect();
    examples.sort();
    assert!(examples.len() >= 4);
    for example in &examples {
        let name = example.to_string_lossy().into_owned();
        let out = at_root(&["validate", &name]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        // Outputs go to a temporary directory rather than target/.
        let text = std::fs::read_to_string(example).unwrap();
        let mut args = vec!["run".to_owned(), name.clone(), "-q".to_owned()];
        if text.contains("kind = \"audit\"") {
            let index = text.split("[[sink]]").skip(1).position(|t| t.contains("kind = \"audit\"")).unwrap();
            args.push("--set".into());
            args.push(format!("sink.{index}.path={}", dir.path().join("out.jsonl").display()));
        }
        let out = at_root(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
    }
}

#[test]
fn a_toml_file_and_its_json_twin_run_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let report = |file: &str| {
        let r = dir.path().join("r.json");
        let out = at_root(&["run", file, "--set", "source.seed=11", "--report", arg(&r)]);
        assert!(out.status.success(), "{}", stderr(&out));
        (stdout(&out), std::fs::read(&r).unwrap())
    };
    let (toml_out, toml_report) = report("data/pipelines/demo.toml");
    let (json_out, json_report) = report("data/pipelines/demo.json");
    assert_eq!(toml_out, json_out);
    assert_eq!(toml_report, json_report);
    assert!(toml_out.ends_with("Processed 30 AAPL ticks.\n"));
}

#[test]
fn each_override_level_wins_over_the_one_below() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "p.toml",
        "limit = 5\n[source]\nkind = \"ticker\"\nseed = 1\n[[sink]]\nkind = \"bot\"\nentry = \"${SLUICE_TEST_ENTRY}\"\n",
    );
    let r = dir.path().join("r.json");
    let run_with = |env: Option<&str>, extra: &[&str]| {
        let mut cmd = sluice(&[&["run", file.as_str(), "-q", "--report", arg(&r)][..], extra].concat());
        cmd.env("SLUICE_TEST_ENTRY", "140");
        if let Some(set) = env {
            cmd.env("SLUICE_SET", set);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        json(&r)
    };
    // The file, with ${VAR} from the environment.
    let base = run_with(None, &[]);
    assert_eq!(
        (base["settings"]["entry"].as_f64(), base["seed"].as_u64(), base["run"]["delivered"].as_u64()),
        (Some(140.0), Some(1), Some(5))
    );
    // SLUICE_SET over the file.
    let env = run_with(Some("source.seed=2;limit=7"), &[]);
    assert_eq!((env["seed"].as_u64(), env["run"]["delivered"].as_u64()), (Some(2), Some(7)));
    // --set over SLUICE_SET.
    let set = run_with(Some("source.seed=2"), &["--set", "source.seed=3"]);
    assert_eq!(set["seed"], 3);
    // A flag over all of them.
    let flag =
        run_with(Some("source.seed=2"), &["--set", "source.seed=3", "--source", "ticker:seed=4", "--limit", "9"]);
    assert_eq!((flag["seed"].as_u64(), flag["run"]["delivered"].as_u64()), (Some(4), Some(9)));
}

#[test]
fn an_unknown_key_names_file_line_column_and_the_nearest_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "p.toml",
        "[source]\nkind = \"ticker\"\n\n[[sink]]\nkind = \"bot\"\n\n[[sink]]\nkind = \"bot\"\n  entyr = 140\n",
    );
    refused(
        &run(&["run", &file]),
        &[
            &format!("{file}:9:3: [[sink]] #2: unknown key `entyr`"),
            "the keys are `strategy`, `entry`, `exit`",
            "(did you mean `entry`?)",
        ],
    );
    let json = write(dir.path(), "p.json", "{\"source\": {\"kind\": \"ticker\", \"sed\": 1}}");
    refused(&run(&["run", &json]), &[&format!("{json}:1:31: [source]: unknown key `sed`"), "did you mean `seed`"]);
    let top = write(dir.path(), "t.toml", "[source]\nkind = \"ticker\"\n[[sinks]]\nkind = \"bot\"\n");
    refused(&run(&["run", &top]), &[&format!("{top}:3:"), "unknown key `sinks`", "did you mean `sink`"]);
}

#[test]
fn a_wrong_type_or_value_names_the_key_and_what_it_takes() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "p.toml", "[source]\nkind = \"ticker\"\ncount = \"many\"\n");
    refused(
        &run(&["run", &file]),
        &[&format!("{file}:3:1: [source]: `count`: invalid type: string \"many\", expected u64")],
    );
    let file = write(dir.path(), "q.toml", "[source]\nkind = \"ticker\"\nbad_rate = 3\n");
    refused(&run(&["run", &file]), &[&format!("{file}:3:1: [source]: `bad_rate`: 3 is not a probability")]);
    let file = write(dir.path(), "r.toml", "limit = -1\n[source]\nkind = \"ticker\"\n");
    refused(&run(&["run", &file]), &[&format!("{file}:1:1: `limit`")]);
    let file = write(dir.path(), "s.toml", "[source]\nkind = \"tickr\"\n");
    refused(&run(&["run", &file]), &["unknown source `tickr`", "did you mean `ticker`"]);
    let file = write(dir.path(), "u.toml", "[source\nkind = 1\n");
    refused(&run(&["run", &file]), &[&format!("{file}:1:")]);
}

#[test]
fn a_lines_source_into_the_bot_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let log = log_fixture("lf.log");
    let file = write(
        dir.path(),
        "p.toml",
        &format!("[source]\nkind = \"lines\"\npath = \"{log}\"\n[[sink]]\nkind = \"bot\"\n"),
    );
    for cmd in ["run", "validate"] {
        refused(
            &run(&[cmd, &file]),
            &["sink `bot` does not take lines, which source `lines` emits", "read ticks with a csv source instead"],
        );
    }
}

#[test]
fn validate_builds_everything_and_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("never.jsonl");
    // An endless ticker: a validate that ran it would never return.
    let file = write(
        dir.path(),
        "p.toml",
        &format!("[source]\nkind = \"ticker\"\n[[sink]]\nkind = \"audit\"\npath = \"{}\"\n", audit.display()),
    );
    let out = run(&["validate", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!audit.exists(), "validate must not open the audit log");
    let missing = write(dir.path(), "m.toml", "[source]\nkind = \"csv\"\npath = \"/no/such.csv\"\n");
    refused(&run(&["validate", &missing]), &["`path`", "no such file"]);
    let nodir = write(
        dir.path(),
        "n.toml",
        "[source]\nkind = \"ticker\"\n[[sink]]\nkind = \"audit\"\npath = \"/no/such/dir/a.jsonl\"\n",
    );
    refused(
        &run(&["validate", &nodir]),
        &[&format!("{nodir}:5:1: [[sink]] #1"), "directory /no/such/dir does not exist"],
    );
}

#[test]
fn list_names_every_component() {
    let out = run(&["list"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for kind in ["ticker", "csv", "lines", "nats", "bot", "audit", "symbol=", "price=", "contains="] {
        assert!(text.contains(kind), "{kind}: {text}");
    }
}

#[test]
fn the_schema_covers_every_key_the_examples_use() {
    let out = run(&["schema"]);
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["additionalProperties"], false);
    let kinds = |section: &serde_json::Value| -> Vec<(String, serde_json::Value)> {
        section["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["properties"]["kind"]["const"].as_str().unwrap().to_owned(), s.clone()))
            .collect()
    };
    let sources = kinds(&schema["properties"]["source"]);
    let sinks = kinds(&schema["properties"]["sink"]["items"]);
    assert_eq!(sources.iter().map(|k| k.0.as_str()).collect::<Vec<_>>(), ["ticker", "csv", "lines", "nats"]);
    assert_eq!(sinks.iter().map(|k| k.0.as_str()).collect::<Vec<_>>(), ["bot", "audit", "nats"]);
    for entry in std::fs::read_dir(root().join("data/pipelines")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let doc: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
        let check = |table: &toml::Value, known: &[(String, serde_json::Value)]| {
            let kind = table["kind"].as_str().unwrap();
            let (_, s) = known.iter().find(|k| k.0 == kind).unwrap_or_else(|| panic!("{kind} not in the schema"));
            for key in table.as_table().unwrap().keys() {
                assert!(s["properties"].get(key).is_some(), "{path:?}: `{key}` of {kind} is not in the schema");
            }
        };
        check(&doc["source"], &sources);
        for sink in doc["sink"].as_array().unwrap() {
            check(sink, &sinks);
        }
    }
}

#[test]
fn a_variable_holding_toml_stays_a_value_and_cannot_add_a_sink() {
    // Issue 19: N=$'3\n[[sink]]\nkind="audit"…' was pasted into the text
    // before parsing, adding a sink that wrote a file.
    let dir = tempfile::tempdir().unwrap();
    let injected = dir.path().join("injected.jsonl");
    let file = write(dir.path(), "p.toml", "[source]\nkind = \"ticker\"\nseed = 1\ncount = \"${SLUICE_TEST_N}\"\n");
    let value = format!("3\n[[sink]]\nkind = \"audit\"\npath = \"{}\"", injected.display());
    let out = sluice(&["run", file.as_str(), "-q"]).env("SLUICE_TEST_N", &value).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "a count that is not a number: {}", stderr(&out));
    assert!(!injected.exists(), "no sink was added");
    // A value that is a number is a number.
    let out = sluice(&["run", file.as_str(), "-q", "--json"]).env("SLUICE_TEST_N", "3").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["run"]["read"], 3);
}

#[test]
fn relative_paths_in_a_file_are_taken_from_its_directory() {
    // Issue 19: run from elsewhere, a bundled pipeline could not find its data.
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("pipes");
    std::fs::create_dir(&sub).unwrap();
    std::fs::copy(root().join("data/sample-ticks.csv"), dir.path().join("ticks.csv")).unwrap();
    let file = sub.join("p.toml");
    let text =
        "[source]\nkind = \"csv\"\npath = \"../ticks.csv\"\n\n[[sink]]\nkind = \"audit\"\npath = \"out.jsonl\"\n";
    std::fs::write(&file, text).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = sluice(&["run", "-q", arg(&file)]).current_dir(elsewhere.path()).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(sub.join("out.jsonl").exists(), "the audit log is beside the file");
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0, "nothing in the working directory");
    // A --set value is the user's, typed where they stand.
    let out = sluice(&["run", "-q", arg(&file), "--set", "sink.0.path=here.jsonl"])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(elsewhere.path().join("here.jsonl").exists());
}
