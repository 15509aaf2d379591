//! Encrypted connections to PostgreSQL, with the meanings libpq gives `sslmode`:
//!
//! - `disable`: never encrypted;
//! - `prefer` (the default): encrypted when the server offers it, the certificate not checked;
//! - `require`: always encrypted, the certificate not checked (unless `sslrootcert` is given,
//!   as libpq does);
//! - `verify-ca`: always encrypted, the certificate signed by a trusted authority;
//! - `verify-full`: the same, and issued for the host named in the address.
//!
//! Trusted authorities are those of `sslrootcert=FILE` in the address, or else the system's
//! (`SSL_CERT_FILE`, or Debian's bundle). The driver itself knows only `disable`, `prefer` and
//! `require`, so the checks are taken out of the address here and given to the connector.

use std::path::PathBuf;

use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use postgres_openssl::MakeTlsConnector;

use crate::{Result, StoreError};

/// Where Debian keeps the trusted authorities, when `SSL_CERT_FILE` does not say.
const SYSTEM_AUTHORITIES: &str = "/etc/ssl/certs/ca-certificates.crt";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    /// Encrypted without checking who answers.
    Nothing,
    /// The certificate's chain of trust.
    Authority,
    /// The chain, and that the certificate names the host.
    AuthorityAndHost,
}

/// A database address as the driver takes it, and the connector that encrypts its connections.
pub(crate) struct Secured {
    pub(crate) address: String,
    pub(crate) connector: MakeTlsConnector,
}

/// Takes the TLS settings out of `url` and makes the connector they ask for. The rest of the
/// address is passed on as written (the driver decodes it).
pub(crate) fn secure(url: &str) -> Result<Secured> {
    let invalid =
        |why: String| StoreError::Database(format!("the database address is not valid: {why}"));
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let (mut mode, mut root) = (None, None);
    let mut kept = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        let decoded = || {
            percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .map(|v| v.into_owned())
                .map_err(|_| invalid(format!("{key} is not UTF-8")))
        };
        match key {
            "sslmode" => mode = Some(decoded()?),
            "sslrootcert" => root = Some(PathBuf::from(decoded()?)),
            _ => kept.push(part),
        }
    }
    let (driver_mode, check) = match mode.as_deref() {
        None | Some("prefer") => ("prefer", Check::Nothing),
        Some("disable") => ("disable", Check::Nothing),
        // libpq checks the authority in `require` when a root certificate is given.
        Some("require") if root.is_some() => ("require", Check::Authority),
        Some("require") => ("require", Check::Nothing),
        Some("verify-ca") => ("require", Check::Authority),
        Some("verify-full") => ("require", Check::AuthorityAndHost),
        Some(other) => {
            return Err(invalid(format!(
                "sslmode={other} is not one of disable, prefer, require, verify-ca, verify-full"
            )));
        }
    };
    let sslmode = format!("sslmode={driver_mode}");
    kept.push(&sslmode);
    let connector = connector(check, root).map_err(|e| {
        StoreError::Database(format!(
            "cannot prepare encrypted connections to the database: {e}"
        ))
    })?;
    Ok(Secured {
        address: format!("{base}?{}", kept.join("&")),
        connector,
    })
}

fn connector(check: Check, root: Option<PathBuf>) -> std::result::Result<MakeTlsConnector, String> {
    let mut builder = SslConnector::builder(SslMethod::tls()).map_err(|e| e.to_string())?;
    if check == Check::Nothing {
        builder.set_verify(SslVerifyMode::NONE);
    } else {
        let file = root
            .or_else(|| std::env::var_os("SSL_CERT_FILE").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(SYSTEM_AUTHORITIES));
        builder.set_ca_file(&file).map_err(|e| {
            format!(
                "cannot read trusted certificates from {}: {e}",
                file.display()
            )
        })?;
        builder.set_verify(SslVerifyMode::PEER);
    }
    let mut connector = MakeTlsConnector::new(builder.build());
    if check != Check::AuthorityAndHost {
        connector.set_callback(|config, _| {
            config.set_verify_hostname(false);
            Ok(())
        });
    }
    Ok(connector)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checks_leave_the_address_and_the_driver_gets_a_mode_it_knows() {
        let s = secure("postgres://u@db.example/reintegra?sslmode=require").unwrap();
        assert_eq!(
            s.address,
            "postgres://u@db.example/reintegra?sslmode=require"
        );
        let s = secure("postgres://u@db.example/reintegra").unwrap();
        assert_eq!(
            s.address,
            "postgres://u@db.example/reintegra?sslmode=prefer"
        );
        let s = secure("postgres://u@h/d?options=-c%20search_path%3Dt_1&sslmode=disable").unwrap();
        assert_eq!(
            s.address, "postgres://u@h/d?options=-c%20search_path%3Dt_1&sslmode=disable",
            "the rest passed on as written"
        );
        let refused = secure("postgres://u@h/d?sslmode=sometimes").err().unwrap();
        assert!(
            refused.to_string().contains("sslmode=sometimes"),
            "{refused}"
        );
        let missing = secure("postgres://u@h/d?sslmode=verify-full&sslrootcert=/no/such/file")
            .err()
            .unwrap();
        assert!(missing.to_string().contains("/no/such/file"), "{missing}");
        // verify-ca checks the authority too: the certificates it names are read.
        let missing = secure("postgres://u@h/d?sslmode=verify-ca&sslrootcert=/no/such/ca.pem")
            .err()
            .unwrap();
        assert!(missing.to_string().contains("/no/such/ca.pem"), "{missing}");
        // And so does require with a root certificate, as libpq does.
        let missing = secure("postgres://u@h/d?sslmode=require&sslrootcert=/no/such/ca.pem")
            .err()
            .unwrap();
        assert!(missing.to_string().contains("/no/such/ca.pem"), "{missing}");
    }
}
