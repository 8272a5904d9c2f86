//! The lead-time list (`CONFBOT_ANNOUNCE_LEADS`) on any text: no panic; accepted leads are
//! between 0 and a week, longest first, each once; a refusal names the variable.
#![no_main]

use chrono::TimeDelta;
use confbot::cli::config::job_settings_from;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let config = job_settings_from(|name| {
        (name == "CONFBOT_ANNOUNCE_LEADS").then(|| text.to_string())
    });
    match config {
        Ok(config) => {
            let leads = &config.rules.leads;
            assert!(!leads.is_empty(), "{text:?}");
            for lead in leads {
                assert!(
                    *lead >= TimeDelta::zero() && *lead <= TimeDelta::days(7),
                    "{text:?}"
                );
            }
            assert!(
                leads.windows(2).all(|w| w[0] > w[1]),
                "{text:?} → {leads:?}"
            );
        }
        Err(error) => assert!(
            error.to_string().contains("CONFBOT_ANNOUNCE_LEADS"),
            "{text:?} → {error}"
        ),
    }
});
