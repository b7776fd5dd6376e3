//! A shields.io endpoint badge: `{"schemaVersion":1,"label":"SigV4 conformance","message":"98%","color":"green"}`.

use super::json::Summary;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Badge {
    schema_version: u32,
    label: &'static str,
    message: String,
    color: &'static str,
}

/// The badge JSON for a run: the share of passed trials among those not skipped.
pub fn render(summary: &Summary) -> String {
    let counted = summary.passed + summary.failed + summary.errored;
    let percent = if counted == 0 {
        0.0
    } else {
        summary.passed as f64 * 100.0 / counted as f64
    };
    let color = match percent {
        p if p >= 100.0 => "brightgreen",
        p if p >= 95.0 => "green",
        p if p >= 80.0 => "yellow",
        p if p >= 50.0 => "orange",
        _ => "red",
    };
    // Rounded down, so 99.9% never shows as 100%.
    let message = if percent >= 100.0 {
        "100%".to_string()
    } else {
        format!("{:.1}%", (percent * 10.0).floor() / 10.0)
    };
    let badge = Badge {
        schema_version: 1,
        label: "SigV4 conformance",
        message,
        color,
    };
    let mut text = serde_json::to_string(&badge).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_and_colours() {
        let summary = |passed, failed, errored, skipped| Summary {
            passed,
            failed,
            errored,
            skipped,
        };
        let cases = [
            (summary(400, 0, 0, 0), "100%", "brightgreen"),
            (summary(999, 1, 0, 0), "99.9%", "green"),
            (summary(336, 5, 0, 59), "98.5%", "green"),
            (summary(124, 65, 0, 211), "65.6%", "orange"),
            (summary(0, 0, 0, 10), "0.0%", "red"),
        ];
        for (s, message, color) in cases {
            let badge: serde_json::Value = serde_json::from_str(&render(&s)).unwrap();
            assert_eq!(badge["message"], message, "{s:?}");
            assert_eq!(badge["color"], color);
            assert_eq!(badge["schemaVersion"], 1);
        }
    }
}
