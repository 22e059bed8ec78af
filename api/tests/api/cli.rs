use std::process::Command;

fn jeco(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jeco"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn bad_configuration_names_the_variable() {
    let cases = [
        ("JECO_BIND", "not-an-address"),
        ("DATABASE_URL", "mysql://nope"),
        ("JECO_PUBLIC_URL", "example.com"),
        ("JECO_ALLOWED_ORIGINS", "evil"),
        ("JECO_SEND_RATE", "0"),
        ("JECO_JWT_SECRET", "short"),
    ];
    for (var, value) in cases {
        let (ok, _, err) = jeco(&["serve"], &[(var, value), ("JECO_DATA_DIR", "/tmp/jeco-cli-test")]);
        assert!(!ok, "{var}={value} must fail");
        assert!(err.contains(var), "{var}: {err}");
    }
}

#[test]
fn export_schema_prints_the_checked_in_sdl() {
    let (ok, out, _) = jeco(&["export-schema"], &[]);
    assert!(ok);
    let file =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../graphql/schema.graphql")).unwrap();
    assert!(out == file, "export-schema output differs from graphql/schema.graphql");
}
