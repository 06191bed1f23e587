//! Snapshots of the human output of `plan` and `apply` on the demo org, with the parts that change
//! from run to run (temp paths, times, run folder stamps, request ids) filtered out.

use crate::apply_support::{Org, texts};
use crate::harness::sample;

fn copy_sample(org: &Org, name: &str) {
    std::fs::copy(sample(name), org.path().join(name)).unwrap_or_else(|error| panic!("{error}"));
}

fn settings(org: &Org) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_escape(&org.path().display().to_string()), "[DIR]");
    settings.add_filter(r"\d{8}T\d{6}Z", "[STAMP]");
    settings.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]");
    settings.add_filter(r"\d+\.\d s", "[SECONDS] s");
    settings.add_filter(r"about \d+ s", "about [N] s");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(
            |character| {
                if "\\.+*?()|[]{}^$".contains(character) { format!("\\{character}") } else { character.to_string() }
            },
        )
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_add_human_output() {
    let org = Org::demo().await;
    copy_sample(&org, "bulk-add.csv");
    let output = org.run(&["apply", "bulk-add.csv", "--op", "add"]).await;
    let (stdout, stderr) = texts(&output);
    settings(&org).bind(|| {
        insta::assert_snapshot!(
            "apply_add",
            format!("exit: {:?}\n--- stdout\n{stdout}--- stderr\n{stderr}", output.status.code())
        );
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_edit_human_output() {
    let org = Org::demo().await;
    copy_sample(&org, "bulk-edit.csv");
    let output = org.run(&["plan", "bulk-edit.csv", "--op", "edit"]).await;
    let (stdout, stderr) = texts(&output);
    settings(&org).bind(|| {
        insta::assert_snapshot!(
            "plan_edit",
            format!("exit: {:?}\n--- stdout\n{stdout}--- stderr\n{stderr}", output.status.code())
        );
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_refusal_human_output() {
    let org = Org::demo().await;
    org.write(
        "bad.csv",
        "Identity Type,Username,Domain,Email,First Name,Last Name,Country Code,User Groups\n\
         Enterprise ID,new1@example.com,example.com,new1@example.com,Ann,One,UK,Contractors\n\
         Enterprise ID,new2@example.com,example.com,new2@example.com,Bob,Two,GB,Contractor\n",
    );
    let output = org.run(&["apply", "bad.csv", "--op", "add"]).await;
    let (stdout, stderr) = texts(&output);
    settings(&org).bind(|| {
        insta::assert_snapshot!(
            "apply_refusal",
            format!("exit: {:?}\n--- stdout\n{stdout}--- stderr\n{stderr}", output.status.code())
        );
    });
}
