//! Reading conference-local times: zone abbreviations and wall-clock times that DST can make
//! impossible (a gap) or ambiguous (a fold). Both are errors for the importer, never panics.
//! Also how people write a duration (`10m`, `1h30m`) and a zone, for the command line and the
//! environment.

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;

use super::span::not_keepable;

/// A zone abbreviation as printed on conference pages: its fixed offset and the IANA zone it
/// belongs to (used for display). Ambiguous ones (IST, CST for China) take the more common
/// conference meaning and are listed here so the choice is visible.
const ABBREVIATIONS: &[(&str, i32, Tz)] = &[
    ("UTC", 0, Tz::UTC),
    ("GMT", 0, Tz::Europe__London),
    ("BST", 3600, Tz::Europe__London),
    ("WET", 0, Tz::Europe__Lisbon),
    ("WEST", 3600, Tz::Europe__Lisbon),
    ("CET", 3600, Tz::Europe__Berlin),
    ("CEST", 7200, Tz::Europe__Berlin),
    ("EET", 7200, Tz::Europe__Athens),
    ("EEST", 10800, Tz::Europe__Athens),
    ("IST", 19800, Tz::Asia__Kolkata),
    ("SGT", 28800, Tz::Asia__Singapore),
    ("JST", 32400, Tz::Asia__Tokyo),
    ("KST", 32400, Tz::Asia__Seoul),
    ("AEST", 36000, Tz::Australia__Sydney),
    ("AEDT", 39600, Tz::Australia__Sydney),
    ("NZST", 43200, Tz::Pacific__Auckland),
    ("NZDT", 46800, Tz::Pacific__Auckland),
    ("HST", -36000, Tz::Pacific__Honolulu),
    ("AKST", -32400, Tz::America__Anchorage),
    ("AKDT", -28800, Tz::America__Anchorage),
    ("PST", -28800, Tz::America__Los_Angeles),
    ("PDT", -25200, Tz::America__Los_Angeles),
    ("MST", -25200, Tz::America__Denver),
    ("MDT", -21600, Tz::America__Denver),
    ("CST", -21600, Tz::America__Chicago),
    ("CDT", -18000, Tz::America__Chicago),
    ("EST", -18000, Tz::America__New_York),
    ("EDT", -14400, Tz::America__New_York),
    ("BRT", -10800, Tz::America__Sao_Paulo),
];

/// The fixed offset and IANA zone of an abbreviation such as `PDT`, if we know it.
pub fn abbreviation(abbr: &str) -> Option<(FixedOffset, Tz)> {
    ABBREVIATIONS
        .iter()
        .find(|(name, _, _)| name.eq_ignore_ascii_case(abbr))
        .map(|&(_, seconds, tz)| {
            (
                FixedOffset::east_opt(seconds).expect("table offsets are valid"),
                tz,
            )
        })
}

/// The abbreviations we know, for error messages.
pub fn known_abbreviations() -> String {
    ABBREVIATIONS
        .iter()
        .map(|(name, _, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a wall-clock time has no single instant in a zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalTimeError {
    #[error("{0} does not exist in {1}: the clocks skip it (daylight saving gap)")]
    Gap(NaiveDateTime, Tz),
    #[error("{0} happens twice in {1} (daylight saving fold); write it with an offset, e.g. {2}")]
    Fold(NaiveDateTime, Tz, String),
    #[error("{}", not_keepable(.0))]
    Year(NaiveDateTime),
}

/// The one instant a wall-clock time names in `tz`, or why there is none. Years outside 1 to
/// 9999 are refused, as everywhere (see [`not_keepable`]).
pub fn resolve_local(local: NaiveDateTime, tz: Tz) -> Result<DateTime<Utc>, LocalTimeError> {
    if !(1..=9999).contains(&chrono::Datelike::year(&local)) {
        return Err(LocalTimeError::Year(local));
    }
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) => Ok(at.with_timezone(&Utc)),
        LocalResult::None => Err(LocalTimeError::Gap(local, tz)),
        LocalResult::Ambiguous(first, _) => {
            let example = first.fixed_offset().to_rfc3339();
            Err(LocalTimeError::Fold(local, tz, example))
        }
    }
}

/// `HH:MM ABBR` as the conference shows it, e.g. `11:00 PDT`.
pub fn local_clock(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%H:%M %Z").to_string()
}

/// Whether `tz` really is at `offset` at `at` (e.g. PST in May is not Los Angeles time).
pub fn zone_has_offset(tz: Tz, at: DateTime<Utc>, offset: FixedOffset) -> bool {
    tz.offset_from_utc_datetime(&at.naive_utc()).fix() == offset
}

/// An ISO 8601 / RFC 5545 duration of fixed length: `PT30M`, `PT1H30M`, `P1DT2H`, `P1W`
/// (schedule v2 and iCalendar write them). Years and months have no fixed length: `None`.
pub fn iso_duration(text: &str) -> Option<TimeDelta> {
    let text = text.trim().to_ascii_uppercase();
    let rest = text.strip_prefix('+').unwrap_or(&text).strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) if !time.is_empty() => (date, time),
        Some(_) => return None,
        None => (rest, ""),
    };
    let mut seconds: i64 = 0;
    let mut any = false;
    for (part, units) in [
        (date, &[('W', 604_800), ('D', 86_400)][..]),
        (time, &[('H', 3600), ('M', 60), ('S', 1)][..]),
    ] {
        let mut rest = part;
        for &(unit, scale) in units {
            if let Some((number, after)) = rest.split_once(unit) {
                if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                seconds = seconds.checked_add(number.parse::<i64>().ok()?.checked_mul(scale)?)?;
                rest = after;
                any = true;
            }
        }
        if !rest.is_empty() {
            return None;
        }
    }
    any.then(|| TimeDelta::try_seconds(seconds)).flatten()
}

/// The first instant of a local day (midnight, or the first moment after a DST gap).
pub fn start_of_day(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    (0..=3)
        .find_map(|hour| {
            day.and_hms_opt(hour, 0, 0)?
                .and_local_timezone(tz)
                .earliest()
        })
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc())
}

/// An IANA zone name, as `--timezone` and `CONFBOT_PROGRAM_TIMEZONE` take it; the error says
/// what was expected and what was found.
pub fn parse_zone(text: &str) -> Result<Tz, String> {
    text.parse()
        .map_err(|_| format!("expected an IANA time zone such as `Europe/Berlin`, found `{text}`"))
}

/// `90s`, `10m`, `1h`, `0m`, or a combination such as `1h30m`.
pub fn parse_duration(text: &str) -> Result<TimeDelta, String> {
    let error = || format!("expected a duration such as `10m`, `90s` or `1h30m`, found `{text}`");
    let mut total = TimeDelta::zero();
    let mut number = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let amount: i64 = number.parse().map_err(|_| error())?;
        number.clear();
        let part = match c {
            's' => TimeDelta::try_seconds(amount),
            'm' => TimeDelta::try_minutes(amount),
            'h' => TimeDelta::try_hours(amount),
            _ => return Err(error()),
        };
        total = part
            .and_then(|part| total.checked_add(&part))
            .ok_or_else(error)?;
    }
    if !number.is_empty() || text.trim().is_empty() {
        return Err(error());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn spring_forward_gap_is_an_error_not_a_panic() {
        let error = resolve_local(local(2021, 3, 14, 2, 30), Tz::America__Los_Angeles).unwrap_err();
        assert!(matches!(error, LocalTimeError::Gap(..)));
        assert!(error.to_string().contains("daylight saving gap"));
    }

    #[test]
    fn fall_back_fold_is_an_error_that_suggests_an_offset() {
        let error = resolve_local(local(2021, 11, 7, 1, 30), Tz::America__Los_Angeles).unwrap_err();
        assert_eq!(
            error.to_string(),
            "2021-11-07 01:30:00 happens twice in America/Los_Angeles (daylight saving fold); \
             write it with an offset, e.g. 2021-11-07T01:30:00-07:00"
        );
    }

    #[test]
    fn iso_durations_of_fixed_length_are_read_and_others_refused() {
        let minutes = |text| iso_duration(text).map(|d| d.num_minutes());
        assert_eq!(minutes("PT30M"), Some(30));
        assert_eq!(minutes("PT1H30M"), Some(90));
        assert_eq!(minutes("pt45m"), Some(45));
        assert_eq!(minutes("P1DT2H"), Some(26 * 60));
        assert_eq!(minutes("P1W"), Some(7 * 24 * 60));
        assert_eq!(minutes("PT90S"), Some(1));
        for bad in [
            "", "P", "PT", "30M", "P1M", "PT1H-5M", "PTM", "PT30M1H", "00:30",
        ] {
            assert_eq!(iso_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn abbreviations_map_to_offsets_and_zones() {
        let (offset, tz) = abbreviation("pdt").unwrap();
        assert_eq!(offset.local_minus_utc(), -7 * 3600);
        assert_eq!(tz, Tz::America__Los_Angeles);
        assert!(abbreviation("XYZ").is_none());
    }

    #[test]
    fn local_clock_shows_the_conference_abbreviation() {
        let at = DateTime::parse_from_rfc3339("2021-05-04T18:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(local_clock(at, Tz::America__Los_Angeles), "11:00 PDT");
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(parse_duration("10m").unwrap(), TimeDelta::minutes(10));
        assert_eq!(parse_duration("1h30m").unwrap(), TimeDelta::minutes(90));
        assert_eq!(parse_duration("0m").unwrap(), TimeDelta::zero());
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("ten minutes").is_err());
        assert!(parse_duration("").is_err());
        assert!(
            parse_duration("99999999999999999h").is_err(),
            "overflow is an error, not a panic"
        );
    }
}
