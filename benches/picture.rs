//! `cargo bench --bench picture`: the day as a picture, `/schedule picture:true`'s work on the
//! bot's side (read the day, lay it out, draw it, encode the PNGs), for a generated 10-room day
//! of 80 talks (the `synthetic` crate, seed 1: forty sessions of two talks). Its figure is in
//! `docs/PERFORMANCE.md`.

use std::hint::black_box;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone};
use confbot::commands;
use confbot::program::{import_str, ImportOptions};
use confbot::store::Store;
use criterion::{criterion_group, criterion_main, Criterion};
use synthetic::{program_json, GenOptions};

fn schedule_picture(c: &mut Criterion) {
    let options = GenOptions {
        talks: 80,
        days: 1,
        tracks: 10,
        seed: 1,
    };
    let json = program_json(&options).unwrap();
    let program = import_str("bench", &json, &ImportOptions::default())
        .unwrap()
        .program;
    let store = Store::open_in_memory().unwrap();
    store.replace_program(&program).unwrap();
    let day: NaiveDate = program.days()[0];
    let zone = program.conference().time_zone;
    // Mid-morning of the day, so the current time is drawn too.
    let now = zone
        .from_local_datetime(&day.and_hms_opt(10, 0, 0).unwrap())
        .unwrap()
        .to_utc();
    let (reply, pictures) = commands::schedule_pictures(&store, now, Some(day)).unwrap();
    assert_eq!(reply.fields.len(), 40, "forty sessions");
    assert_eq!(pictures.len(), 2, "ten rooms, five to a picture");
    c.bench_function("picture/schedule_10_rooms_80_talks", |b| {
        b.iter(|| commands::schedule_pictures(&store, black_box(now), Some(day)).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5))
        .sample_size(20);
    targets = schedule_picture
}
criterion_main!(benches);
