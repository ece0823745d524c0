//! TLS for pearld: trust exactly its self-signed `rpc.cert` (ring provider, nothing global).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::PearldError;

pub(super) fn tls_config(
    https: bool,
    cert_path: Option<&Path>,
    url: &str,
) -> Result<rustls::ClientConfig, PearldError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls_err = |detail: String| PearldError::Tls {
        url: url.to_owned(),
        detail,
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err(e.to_string()))?;
    if !https {
        // Never used for http://, but reqwest needs a TLS backend that does not look for a
        // process-wide crypto provider.
        return Ok(builder
            .with_root_certificates(RootCertStore::empty())
            .with_no_client_auth());
    }
    let verifier: Arc<dyn ServerCertVerifier> = match cert_path {
        Some(path) => Arc::new(PinnedCertVerifier::load(path, provider)?),
        None => Arc::new(
            rustls_platform_verifier::Verifier::new(provider)
                .map_err(|e| tls_err(format!("cannot load the system's trusted roots: {e}")))?,
        ),
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// Trusts exactly the certificates in pearld's `rpc.cert` (a self-signed CA certificate that
/// standard WebPKI rules reject as an end-entity), or ones they sign.
#[derive(Debug)]
struct PinnedCertVerifier {
    pinned: Vec<CertificateDer<'static>>,
    path: PathBuf,
    webpki: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

#[derive(Debug, thiserror::Error)]
#[error("the certificate pearld presented is not the one in {}", path.display())]
pub(super) struct NotPinned {
    path: PathBuf,
}

impl PinnedCertVerifier {
    fn load(path: &Path, provider: Arc<CryptoProvider>) -> Result<Self, PearldError> {
        let cert_err = |detail: String| PearldError::CertFile {
            path: path.to_owned(),
            detail,
        };
        let pem = read_cert_file(path).map_err(cert_err)?;
        let pinned = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| cert_err(format!("not a PEM certificate file: {e}")))?;
        if pinned.is_empty() {
            return Err(cert_err(
                "no `BEGIN CERTIFICATE` block in the file".to_owned(),
            ));
        }
        let mut roots = RootCertStore::empty();
        let (added, _ignored) = roots.add_parsable_certificates(pinned.iter().cloned());
        let webpki = if added > 0 {
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .ok()
        } else {
            None
        };
        Ok(Self {
            pinned,
            path: path.to_owned(),
            webpki,
            provider,
        })
    }
}

/// Largest `rpc.cert` read (pearld's is about 1 KiB).
const MAX_CERT_BYTES: u64 = 1024 * 1024;

/// Reads the certificate file as a regular file of at most [`MAX_CERT_BYTES`]: a FIFO is
/// refused instead of waited on, a device (`/dev/zero`) instead of read until memory runs out.
/// Returns why not, in words.
fn read_cert_file(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        // Opening a FIFO without a writer blocks unless non-blocking.
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err(format!(
            "it is {}, not a regular file",
            kind_of(&meta.file_type())
        ));
    }
    if meta.len() > MAX_CERT_BYTES {
        return Err(format!(
            "it holds {} bytes, more than a certificate file's {MAX_CERT_BYTES}",
            meta.len()
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_CERT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_CERT_BYTES {
        return Err(format!(
            "it grew past a certificate file's {MAX_CERT_BYTES} bytes while being read"
        ));
    }
    Ok(bytes)
}

#[cfg(unix)]
fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

impl ServerCertVerifier for PinnedCertVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self
            .pinned
            .iter()
            .any(|c| c.as_ref() == end_entity.as_ref())
        {
            return Ok(ServerCertVerified::assertion());
        }
        let signed_by_pinned = self.webpki.as_ref().is_some_and(|v| {
            v.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                .is_ok()
        });
        if signed_by_pinned {
            return Ok(ServerCertVerified::assertion());
        }
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(
            rustls::OtherError(Arc::new(NotPinned {
                path: self.path.clone(),
            })),
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
