//! `taskly providers`: the registry, for people and scripts.

use std::process::ExitCode;

use taskly_core::ProviderId;
use taskly_core::providers::ProviderSpec;

use crate::output;

pub fn run(json: bool) -> Result<ExitCode, taskly_core::Error> {
    let specs: Vec<&ProviderSpec> = ProviderId::all().map(ProviderId::spec).collect();
    if json {
        output::json(&serde_json::json!({ "providers": specs }));
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = vec![
        ["ID", "NAME", "KEY STARTS WITH", "BASE URL", "GET A KEY"]
            .map(str::to_owned)
            .to_vec(),
    ];
    for spec in specs {
        rows.push(vec![
            spec.id.as_str().to_owned(),
            spec.name.to_owned(),
            spec.key_prefixes
                .last()
                .map_or("-".to_owned(), |p| (*p).to_owned()),
            spec.default_base_url.map_or_else(
                || format!("(yours, e.g. {})", spec.base_url_example),
                str::to_owned,
            ),
            spec.key_page.unwrap_or("-").to_owned(),
        ]);
    }
    output::line(output::table(&rows));
    Ok(ExitCode::SUCCESS)
}
