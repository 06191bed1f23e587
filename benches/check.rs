//! Benchmark (not a test): `check` on a generated 10 MB valid bulk-add file against a bare `csv`
//! pass over the same bytes (every record read into one reused `ByteRecord`), printed as a ratio,
//! plus the peak resident memory of a process that checks the file. `check` runs
//! `check_file_report` (diagnostics only); `check_bytes`, which `plan` and `apply` use and which
//! owns every record and row, is measured beside it for information.
//!
//!     cargo bench --bench check            # or scripts/bench-check.sh
//!
//! The file is the largest the Console accepts on both caps at once: 5,000 rows just under
//! 10,485,760 bytes, so each row carries long multi-valued cells (about 2 KB), which is where the
//! rules do most of their work. Timings are the best of several runs; only ratios are reported as
//! results, since absolute times depend on the machine and its load.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use umapi_bulk::model::Operation;
use umapi_bulk::validation::{
    CheckOptions, MAX_BYTES, MAX_ROWS, check_bytes, check_bytes_report, check_file, check_file_report,
};

const RUNS: usize = 15;

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    for (flag, owned) in [("--rss", false), ("--rss-owned", true)] {
        if let Some(position) = arguments.iter().position(|argument| argument == flag) {
            let Some(path) = arguments.get(position + 1) else {
                eprintln!("{flag} needs a file");
                std::process::exit(2);
            };
            measure_rss(Path::new(path), owned);
            return;
        }
    }
    let path = std::env::temp_dir().join("umapi-bulk-bench-check.csv");
    for (label, shape) in [("long names", Shape::LongNames), ("many short names", Shape::ManyShortNames)] {
        let bytes = generate(shape);
        if let Err(error) = std::fs::write(&path, &bytes) {
            eprintln!("cannot write {}: {error}", path.display());
            std::process::exit(2);
        }
        measure(label, &path, &bytes);
        if let Ok(exe) = std::env::current_exe() {
            for flag in ["--rss", "--rss-owned"] {
                match std::process::Command::new(&exe).arg(flag).arg(&path).output() {
                    Ok(output) => print!("{}", String::from_utf8_lossy(&output.stdout)),
                    Err(error) => eprintln!("cannot measure peak RSS: {error}"),
                }
            }
        }
    }
    if let Ok(exe) = std::env::current_exe()
        && let Ok(output) = std::process::Command::new(&exe).args(["--rss", "-"]).output()
    {
        print!("{}", String::from_utf8_lossy(&output.stdout));
    }
    let _ = std::fs::remove_file(&path);
}

fn measure(label: &str, path: &Path, bytes: &[u8]) {
    let options = options();
    let checked = check_bytes("bench.csv", bytes, &options);
    let (errors, warnings) = checked.counts();
    assert_eq!((errors, warnings, checked.valid_rows()), (0, 0, checked.records.len()), "the file must be valid");
    let names: usize = checked
        .valid()
        .map(|(_, row)| match row {
            umapi_bulk::validation::ValidRow::User(user) => {
                [
                    &user.product_configurations,
                    &user.product_configurations_administered,
                    &user.user_groups,
                    &user.user_groups_administered,
                    &user.products_administered,
                ]
                .iter()
                .map(|names| names.as_ref().map_or(0, Vec::len))
                .sum::<usize>()
                    + user.admin_roles.as_ref().map_or(0, Vec::len)
            }
            umapi_bulk::validation::ValidRow::Invitation(_) => 0,
        })
        .sum();
    let checked_diagnostics = checked.diagnostics.clone();
    drop(checked);
    println!(
        "\n[{label}] {} rows, {} bytes ({:.2} MB), {:.0} names per row",
        MAX_ROWS,
        bytes.len(),
        bytes.len() as f64 / 1_048_576.0,
        names as f64 / MAX_ROWS as f64
    );
    let report = check_bytes_report("bench.csv", bytes, &options);
    assert_eq!(report.diagnostics, checked_diagnostics, "check_bytes_report and check_bytes agree");
    assert_eq!((report.record_count, report.valid_row_count), (MAX_ROWS, MAX_ROWS));
    let bare = best(|| bare_csv_pass(bytes));
    let reported = best(|| {
        let report = check_bytes_report("bench.csv", bytes, &options);
        std::hint::black_box(report.record_count);
    });
    let stream_only = best(|| {
        std::hint::black_box(stream_only(bytes));
    });
    let owned = best(|| {
        let checked = check_bytes("bench.csv", bytes, &options);
        std::hint::black_box(checked.records.len());
    });
    let owned_without_drop = best_excluding_drop(|| check_bytes("bench.csv", bytes, &options));
    let ownership_floor = best(|| owned_strings_only(bytes));
    let bare_file = best(|| {
        let bytes = std::fs::read(path).unwrap_or_default();
        bare_csv_pass(&bytes);
    });
    let reported_file = best(|| {
        let report = check_file_report(path, &options).map(|report| report.record_count).unwrap_or_default();
        std::hint::black_box(report);
    });
    let ratio = |time: Duration, base: Duration| time.as_secs_f64() / base.as_secs_f64();
    println!("bare csv pass (ByteRecord, in memory):    {:>8.2} ms", millis(bare));
    println!("check_bytes_report (what check runs):     {:>8.2} ms", millis(reported));
    println!("  of which the record stream alone:       {:>8.2} ms", millis(stream_only));
    println!("check_bytes (owns records and rows):      {:>8.2} ms", millis(owned));
    println!("  without freeing the result:             {:>8.2} ms", millis(owned_without_drop));
    println!(
        "floor for owning every field and name as the API's Strings: {:.2} ms (ratio {:.2})",
        millis(ownership_floor),
        ratio(ownership_floor, bare)
    );
    println!("ratio check_bytes_report / bare pass:     {:>8.2}", ratio(reported, bare));
    println!("ratio check_file_report / (read + bare):  {:>8.2}", ratio(reported_file, bare_file));
    println!("ratio check_bytes / bare pass:            {:>8.2}", ratio(owned, bare));
}

/// The reader alone: every record streamed, no rule.
fn stream_only(bytes: &[u8]) -> usize {
    let Ok(mut stream) = umapi_bulk::console_csv::RecordStream::open(bytes) else {
        return 0;
    };
    let width = stream.header().len();
    let mut fields = 0;
    while let Ok(Some(item)) = stream.next_record(width) {
        if let umapi_bulk::console_csv::Item::Record(record) = item {
            fields += record.len();
        }
    }
    fields
}

fn options() -> CheckOptions {
    CheckOptions { operation: Operation::Add, claimed_domains: vec!["example.com".into(), "fed.example.org".into()] }
}

fn bare_csv_pass(bytes: &[u8]) {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut fields = 0usize;
    while let Ok(true) = reader.read_byte_record(&mut record) {
        fields += record.len();
    }
    std::hint::black_box(fields);
}

/// What any implementation of the API must do at least: a bare pass that also owns every field
/// (`SourceRecord::fields`) and every name of the multi-valued cells (`UserRow`'s `Vec<String>`s),
/// then frees them.
fn owned_strings_only(bytes: &[u8]) {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut records: Vec<(Vec<String>, Vec<Vec<String>>)> = Vec::with_capacity(MAX_ROWS + 1);
    while let Ok(true) = reader.read_byte_record(&mut record) {
        let fields: Vec<String> = record.iter().map(|field| String::from_utf8_lossy(field).into_owned()).collect();
        let names: Vec<Vec<String>> = fields[7.min(fields.len())..]
            .iter()
            .map(|cell| cell.split(',').map(|name| name.trim().to_string()).collect())
            .collect();
        records.push((fields, names));
    }
    std::hint::black_box(records.len());
}

fn best(mut work: impl FnMut()) -> Duration {
    (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            work();
            started.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn best_excluding_drop<T>(mut work: impl FnMut() -> T) -> Duration {
    (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let result = work();
            let elapsed = started.elapsed();
            drop(result);
            elapsed
        })
        .min()
        .unwrap_or_default()
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Peak resident set (VmHWM) of this process after checking `path` ("-": without checking) with
/// `check_file_report`, or with `check_file` when `owned`.
fn measure_rss(path: &Path, owned: bool) {
    let path = PathBuf::from(path);
    let label = if path == Path::new("-") {
        "peak RSS of the bench process without checking"
    } else if owned {
        let checked = check_file(&path, &options()).map(|checked| checked.records.len()).unwrap_or_default();
        std::hint::black_box(checked);
        "peak RSS of a process that ran check_file (plan, apply)"
    } else {
        let report = check_file_report(&path, &options()).map(|report| report.record_count).unwrap_or_default();
        std::hint::black_box(report);
        "peak RSS of a process that ran check_file_report (check)"
    };
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status.lines().find(|line| line.starts_with("VmHWM:")).unwrap_or("VmHWM: unknown");
    println!("{label}: {}", peak.trim_start_matches("VmHWM:").trim());
}

/// The two file shapes measured.
#[derive(Clone, Copy)]
enum Shape {
    /// About 38 names per row of 40–60 characters (long product configuration and group names).
    LongNames,
    /// About 100 names per row of about 20 characters: the most names a 10 MB file can hold in
    /// 5,000 rows, the worst case for the rules (one allocation per name).
    ManyShortNames,
}

/// A valid bulk-add file at both caps: 5,000 rows, just under 10,485,760 bytes.
fn generate(shape: Shape) -> Vec<u8> {
    let header = "Identity Type,Username,Domain,Email,First Name,Last Name,Country Code,Product Configurations,\
                  Admin Roles,Product Configurations Administered,User Groups,User Groups Administered,Products Administered\r\n";
    let countries = ["US", "GB", "DE", "FR", "JP", "CA", "AU", "IN", "BR", "ES"];
    let target_row = (MAX_BYTES as usize - header.len()) / MAX_ROWS - 2;
    let (configuration_count, group_name): (usize, fn(usize) -> String) = match shape {
        Shape::LongNames => (15, |index| format!("Regional Marketing and Communications Team {index:04} - EMEA")),
        Shape::ManyShortNames => (12, |index| format!("Department Group {index:04}")),
    };
    let mut text = String::with_capacity(MAX_BYTES as usize);
    text.push_str(header);
    for number in 0..MAX_ROWS {
        let (kind, domain) =
            if number % 3 == 0 { ("Federated ID", "fed.example.org") } else { ("Enterprise ID", "example.com") };
        let email = format!("person.{number:05}@{domain}");
        let mut row = format!(
            "{kind},{email},{domain},{email},Zoë{number},Lee-{number},{},",
            countries[number % countries.len()]
        );
        let configurations: Vec<String> = (0..configuration_count)
            .map(|index| format!("Creative Cloud Configuration {:03} - Default Access", (number + index) % 400))
            .collect();
        row.push('"');
        row.push_str(&configurations.join(", "));
        row.push_str("\",\"Product Configuration, User Group, Product\",\"");
        row.push_str(&configurations[..2].join(", "));
        row.push_str("\",\"");
        let mut groups: Vec<String> = Vec::new();
        let mut index = 0;
        let tail = 3 * (group_name(0).len() + 2) + 40;
        while row.len() + groups.iter().map(|group| group.len() + 2).sum::<usize>() + group_name(0).len() + tail
            < target_row
        {
            groups.push(group_name((number * 7 + index) % 5000));
            index += 1;
        }
        row.push_str(&groups.join(", "));
        row.push_str("\",\"");
        row.push_str(&groups[..3].join(", "));
        row.push_str("\",\"Photoshop, Acrobat Pro\"\r\n");
        text.push_str(&row);
    }
    assert!(text.len() as u64 <= MAX_BYTES, "generated {} bytes", text.len());
    text.into_bytes()
}
