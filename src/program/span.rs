//! The time checks every importer makes of an item it reads, worded once: its end comes from
//! an end or a duration, both ends lie in the years confbot keeps (1 to 9999), an end before the
//! start is an error, and an item that takes no time is reported for the importer to leave out.
//! Nothing here guesses: a time that could put a talk at the wrong instant stays an error.

use std::fmt::Display;

use chrono::{DateTime, Datelike, TimeDelta, TimeZone};

/// An item's start and end.
pub(super) type Span<Z> = (DateTime<Z>, DateTime<Z>);

/// Where an item's end comes from.
pub(super) enum End<Z: TimeZone> {
    At(DateTime<Z>),
    After(TimeDelta),
}

/// The field an error is about: the start, or the end (or duration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Start,
    End,
}

/// Why an item's times cannot be kept, and which of its fields says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SpanError {
    pub field: Field,
    pub message: String,
}

impl SpanError {
    /// The name of the field the error is about, given the names of both.
    pub fn at<'a>(&self, start: &'a str, end: &'a str) -> &'a str {
        match self.field {
            Field::Start => start,
            Field::End => end,
        }
    }
}

/// An item's start and end, checked: `None` when it takes no time (the importer leaves it out,
/// with [`takes_no_time`] as the warning).
pub(super) fn span<Z: TimeZone>(
    title: &str,
    start: DateTime<Z>,
    end: End<Z>,
) -> Result<Option<Span<Z>>, SpanError>
where
    Z::Offset: Display,
{
    let error = |field, message| Err(SpanError { field, message });
    if !keepable(&start) {
        return error(Field::Start, not_keepable(start.to_rfc3339()));
    }
    let end = match end {
        End::At(end) => end,
        End::After(duration) => match start.clone().checked_add_signed(duration) {
            Some(end) => end,
            None => {
                let end = format!("{} plus {duration}", start.to_rfc3339());
                return error(Field::End, not_keepable(end));
            }
        },
    };
    if !keepable(&end) {
        return error(Field::End, not_keepable(end.to_rfc3339()));
    }
    if end < start {
        return error(Field::End, ends_too_soon(title, &start, &end));
    }
    Ok((end > start).then_some((start, end)))
}

/// [`span`] for the formats that refuse an item taking no time (confbot JSON and page text,
/// which have no warnings, and MiniConf, whose papers would lose their session).
pub(super) fn timed_span<Z: TimeZone>(
    title: &str,
    start: DateTime<Z>,
    end: End<Z>,
) -> Result<Span<Z>, SpanError>
where
    Z::Offset: Display,
{
    span(title, start.clone(), end)?.ok_or_else(|| SpanError {
        field: Field::End,
        message: ends_too_soon(title, &start, &start),
    })
}

fn ends_too_soon<Z: TimeZone>(title: &str, start: &DateTime<Z>, end: &DateTime<Z>) -> String
where
    Z::Offset: Display,
{
    format!(
        "expected `{title}` to end after it starts ({}), but it ends at {}",
        start.to_rfc3339(),
        end.to_rfc3339()
    )
}

/// The warning for an item left out because it takes no time.
pub(super) fn takes_no_time(title: &str) -> String {
    format!("`{title}` takes no time, so it is left out")
}

/// Why a time outside the years confbot keeps is refused. chrono reads `-021-05-04` as the year
/// -21 (a typo, found by fuzzing), and leads and day arithmetic assume four-digit years.
pub(super) fn not_keepable(at: impl Display) -> String {
    format!("{at} is not a time confbot can keep: the year must be from 1 to 9999")
}

fn keepable<Z: TimeZone>(at: &DateTime<Z>) -> bool {
    (1..=9999).contains(&at.naive_local().year())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    #[test]
    fn an_end_or_a_duration_gives_the_span() {
        let start = at("2023-09-13T09:00:00+02:00");
        let end = at("2023-09-13T10:00:00+02:00");
        let expected = Some((start, end));
        assert_eq!(span("Talk", start, End::At(end)), Ok(expected));
        let hour = End::After(TimeDelta::hours(1));
        assert_eq!(span("Talk", start, hour), Ok(expected));
        assert_eq!(span("Talk", start, End::At(start)), Ok(None));
    }

    #[test]
    fn where_taking_no_time_is_refused_it_is_worded_as_ending_too_soon() {
        let start = at("2023-09-13T09:00:00+02:00");
        let error = timed_span("Talk", start, End::At(start)).unwrap_err();
        assert_eq!(error.field, Field::End);
        assert_eq!(
            error.message,
            "expected `Talk` to end after it starts (2023-09-13T09:00:00+02:00), but it ends at \
             2023-09-13T09:00:00+02:00"
        );
    }

    #[test]
    fn an_end_before_the_start_names_the_end_and_both_times() {
        let error = span(
            "Talk",
            at("2023-09-13T09:00:00+02:00"),
            End::At(at("2023-09-13T08:00:00+02:00")),
        )
        .unwrap_err();
        assert_eq!(error.field, Field::End);
        assert_eq!(
            error.message,
            "expected `Talk` to end after it starts (2023-09-13T09:00:00+02:00), but it ends at \
             2023-09-13T08:00:00+02:00"
        );
    }

    #[test]
    fn years_outside_1_to_9999_are_refused_in_one_wording_however_they_come() {
        let late = at("9999-12-31T12:00:00+00:00");
        let message = |start, end| span("Talk", start, end).unwrap_err();
        assert_eq!(
            message(late, End::After(TimeDelta::days(1))),
            SpanError {
                field: Field::End,
                message: "+10000-01-01T12:00:00+00:00 is not a time confbot can keep: the year \
                          must be from 1 to 9999"
                    .into()
            }
        );
        let overflow = message(late, End::After(TimeDelta::MAX));
        assert_eq!(overflow.field, Field::End);
        assert!(
            overflow
                .message
                .starts_with("9999-12-31T12:00:00+00:00 plus ")
                && overflow
                    .message
                    .ends_with("is not a time confbot can keep: the year must be from 1 to 9999"),
            "{}",
            overflow.message
        );
        let year_zero = at("0000-05-04T11:00:00+00:00");
        assert_eq!(
            message(year_zero, End::At(late)).message,
            not_keepable("0000-05-04T11:00:00+00:00")
        );
    }
}
