//! The TLS listener with libvirt's certificate layout, checked with Debian's real virsh:
//! certificates made by openssl, a CA-signed client certificate accepted, a client without
//! one refused.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn openssl(dir: &Path, args: &[&str]) {
    let st = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(st.success(), "openssl {args:?}");
}

/// A CA, a server certificate for localhost/127.0.0.1 and a client certificate, in the
/// file names libvirt expects under a `pkipath`.
fn make_pki(dir: &Path) {
    std::fs::create_dir_all(dir).expect("pki dir");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "cakey.pem",
            "-out",
            "cacert.pem",
            "-days",
            "2",
            "-subj",
            "/CN=rvirt test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    std::fs::write(dir.join("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n").expect("ext");
    std::fs::write(dir.join("client.ext"), "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n").expect("ext");
    for (who, cn) in [("server", "localhost"), ("client", "client")] {
        let key = format!("{who}key.pem");
        let csr = format!("{who}.csr");
        let cert = format!("{who}cert.pem");
        let ext = format!("{who}.ext");
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &csr,
                "-subj",
                &format!("/CN={cn}"),
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "cacert.pem",
                "-CAkey",
                "cakey.pem",
                "-CAcreateserial",
                "-out",
                &cert,
                "-days",
                "2",
                "-extfile",
                &ext,
            ],
        );
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn virsh(uri: &str, cmd: &str) -> (String, String, i32) {
    let out = Command::new("virsh")
        .env("LC_ALL", "C")
        .args(["-c", uri, cmd])
        .output()
        .expect("virsh runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn real_virsh_over_tls_with_client_certificate() {
    if !have("openssl") || !have("virsh") {
        eprintln!("SKIP: openssl or virsh missing (scripts/test.sh installs them)");
        return;
    }
    let base: PathBuf = std::env::temp_dir().join(format!("rvirt-tls-{}", std::process::id()));
    let pki = base.join("pki");
    make_pki(&pki);
    let port = free_port();
    let conf = base.join("rvirtd.conf");
    std::fs::write(
        &conf,
        format!(
            "listen_tls = 1\nlisten_tcp = 0\nlisten_addr = \"127.0.0.1\"\ntls_port = \"{port}\"\nca_file = \"{0}/cacert.pem\"\ncert_file = \"{0}/servercert.pem\"\nkey_file = \"{0}/serverkey.pem\"\n",
            pki.display()
        ),
    )
    .expect("conf");
    let daemon = Daemon(
        Command::new(env!("CARGO_BIN_EXE_rvirtd"))
            .args([
                "--root",
                &base.join("root").to_string_lossy(),
                "--listen",
                "-f",
                &conf.to_string_lossy(),
            ])
            .stderr(Stdio::null())
            .spawn()
            .expect("rvirtd starts"),
    );
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "rvirtd did not listen"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let uri = format!(
        "test+tls://127.0.0.1:{port}/default?pkipath={}",
        pki.display()
    );
    let (out, err, rc) = virsh(&uri, "list --all");
    assert_eq!(rc, 0, "{err}");
    assert_eq!(
        out,
        " Id   Name   State\n----------------------\n 1    test   running\n\n"
    );

    // A client with the CA but no certificate of its own is turned away.
    let bare = base.join("bare");
    std::fs::create_dir_all(&bare).expect("dir");
    std::fs::copy(pki.join("cacert.pem"), bare.join("cacert.pem")).expect("copy");
    let (_, err, rc) = virsh(
        &format!(
            "test+tls://127.0.0.1:{port}/default?pkipath={}",
            bare.display()
        ),
        "list",
    );
    assert_eq!(rc, 1);
    assert!(err.contains("failed to connect to the hypervisor"), "{err}");
    drop(daemon);
    let _ = std::fs::remove_dir_all(&base);
}
