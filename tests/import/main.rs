//! The importers, one module per format, sharing the helpers in `kit`.

mod kit;

mod formats;
mod frab;
mod ical;
mod links;
mod miniconf;
mod schedule_v2;
mod seed;
mod sessionize;
mod xml;
