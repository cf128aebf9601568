//! rvirsh's storage commands that build pools from options, copy, resize, wipe, upload and
//! download volumes print what the real virsh prints, against one rvirtd: the same
//! command list runs with each client on pools and files of its own, and the transcripts
//! (stdout, stderr, exit status) must be equal. Uploaded and downloaded data must be the
//! data sent. On a terminal rvirsh's vol-upload draws a progress bar (virsh draws
//! nothing; piped, neither does rvirsh).

mod common;

use common::qemu_uri;

use common::guest::OnTty;
use common::{run, skip, virsh_cmd, Rvirtd, TempDir};
use std::time::Duration;

/// The steps. `@W@` is the client's own work directory, `@T@` its tag (so every pool
/// and volume name is the client's own), `@I@` the shared input files. Arguments are
/// split at spaces; `''` is an empty argument and `~` stands for a space.
const STEPS: &[&str] = &[
    // pool-define-as / pool-create-as
    "pool-define-as P@T@ dir --target @W@/pd --print-xml",
    "pool-define-as P@T@ dir --source-host h --source-path /sp --source-dev /dev/x \
     --source-name sn --target /t --source-format fmt --auth-type chap --auth-username u \
     --secret-usage su --adapter-name an --adapter-wwnn wn --adapter-wwpn wp \
     --adapter-parent ap --source-protocol-ver 3 --source-initiator iqn.x --print-xml",
    "pool-define-as P@T@ dir --auth-type chap --auth-username u --secret-uuid 1234 \
     --adapter-name an --print-xml",
    "pool-define-as P@T@ dir --secret-usage a --secret-uuid b --print-xml",
    "pool-define-as P@T@ dir --adapter-wwnn wn --adapter-wwpn wp --adapter-parent-wwnn pn \
     --adapter-parent-wwpn pp --print-xml",
    "pool-define-as P@T@ dir --adapter-wwnn wn --adapter-wwpn wp \
     --adapter-parent-fabric-wwn f --print-xml",
    "pool-define-as P@T@ dir --adapter-wwnn wn --print-xml",
    "pool-define-as P@T@ dir '' --print-xml",
    "pool-define-as P@T@ dir /x /y /z --print-xml",
    "pool-define-as P@T@",
    "pool-define-as --name P@T@ --type dir --target @W@/pd",
    "pool-define-as P@T@ dir --target @W@/pd",
    "pool-define-as Q@T@ bogus",
    "pool-define-as Q@T@ dir",
    "pool-create-as C@T@ dir --target @W@/nodir",
    "pool-create-as C@T@ dir --target @W@/c --build --overwrite --no-overwrite",
    "pool-create-as C@T@ dir --target @W@/c --print-xml --build",
    "pool-create-as C@T@ dir --target @W@/c --build",
    "pool-create-as C@T@ dir --target @W@/c --build",
    "pool-create-as C@T@ dir --target @W@/c2 --secret-usage a --secret-uuid b",
    "pool-start P@T@ --build",
    "-q pool-create-as D@T@ dir --target @W@/c --print-xml",
    "-q pool-define-as D@T@ dir --target @W@/c",
    "pool-undefine D@T@",
    // vol-clone
    "pool-create-as V@T@ dir --target @W@/v --build",
    "vol-create-as V@T@ a 1M",
    "vol-create-as V@T@ q 1M --format qcow2",
    "vol-clone a b --pool V@T@",
    "vol-clone a b2 --pool V@T@ --print-xml",
    "-q vol-clone a b2 --pool V@T@ --print-xml",
    "vol-clone a x<&y --pool V@T@ --print-xml",
    "vol-clone a x&lt;&#65;&#x42;y --pool V@T@ --print-xml",
    "vol-clone a b --pool V@T@",
    "vol-clone nosuch b --pool V@T@",
    "vol-clone nosuch b",
    "vol-clone @W@/v/a c",
    "vol-clone a c4 --pool V@T@ --reflink",
    "vol-clone q q2 --pool V@T@ --prealloc-metadata",
    "vol-clone a '' --pool V@T@",
    "vol-clone a --pool nosuchpool x",
    // vol-create-from
    "vol-create-from V@T@ @I@/new.xml a",
    "vol-create-from V@T@ @I@/new.xml a --inputpool V@T@ --validate",
    "vol-create-from V@T@ @I@/new.xml a --inputpool V@T@",
    "vol-create-from V@T@ @I@/nofile a --inputpool V@T@",
    "vol-create-from V@T@ @I@/new.xml nosuch --inputpool V@T@",
    "vol-create-from V@T@ @I@/new.xml a --inputpool nosuchpool",
    "vol-create-from nosuchpool @I@/new.xml a",
    "vol-create-from V@T@ @I@/new2.xml @W@/v/a --reflink",
    "vol-create-from V@T@ @I@/new2.xml @W@/v/a --prealloc-metadata",
    "vol-list V@T@",
    // vol-resize
    "vol-resize a 2M",
    "vol-resize a 2M --pool V@T@",
    "vol-resize a 1M --pool V@T@",
    "vol-resize a 1M --pool V@T@ --shrink",
    "vol-resize a -512K --pool V@T@",
    "vol-resize a -512K --pool V@T@ --shrink",
    "vol-resize a 1K --pool V@T@ --delta",
    "vol-resize a +1K --pool V@T@ --delta",
    "vol-resize a ~2M --pool V@T@",
    "vol-resize a ~-1K --pool V@T@ --shrink",
    "vol-resize a 10X --pool V@T@",
    "vol-resize a abc --pool V@T@",
    "vol-resize a '' --pool V@T@",
    "vol-resize a 99999999999T --pool V@T@",
    "vol-resize a 20000000000000000000 --pool V@T@",
    "vol-resize nosuch 1M --pool V@T@",
    "vol-resize a 1.5M --pool V@T@",
    "vol-resize a - --pool V@T@ --shrink",
    "vol-resize a 1M --pool V@T@ --delta --shrink",
    "vol-resize a --pool V@T@ --capacity=-5",
    "vol-resize a 3M --pool V@T@ --allocate",
    "vol-info a --pool V@T@ --bytes",
    // vol-wipe
    "vol-wipe a --pool V@T@",
    "vol-wipe a --pool V@T@ --algorithm zero",
    "vol-wipe a --pool V@T@ --algorithm bogus",
    "vol-wipe a --pool V@T@ --algorithm ''",
    "vol-wipe a --pool V@T@ --algorithm trim",
    "vol-wipe a --pool V@T@ --algorithm nnsa",
    "vol-wipe a --pool V@T@ --algorithm ZERO",
    "vol-wipe a --pool V@T@ dod",
    "vol-wipe nosuch --pool V@T@",
    "vol-wipe b",
    "vol-wipe @W@/v/b",
    // vol-upload / vol-download
    "vol-create-as V@T@ u 1M",
    "vol-upload u @I@/up.bin --pool V@T@",
    "vol-download u @W@/down.bin --pool V@T@",
    "vol-upload u @I@/nofile --pool V@T@",
    "vol-upload u @I@/up.bin --pool V@T@ --offset -1",
    "vol-upload u @I@/up.bin --pool V@T@ --offset ''",
    "vol-upload u @I@/up.bin --pool V@T@ --offset abc",
    "vol-upload u @I@/up.bin --pool V@T@ --offset 1K",
    "vol-upload nosuch @I@/up.bin --pool V@T@",
    "vol-upload u @I@ --pool V@T@",
    "vol-upload @W@/v/u @I@/up.bin --offset 2000000",
    "vol-download u @W@/down2.bin --pool V@T@ --offset 100 --length 1000",
    "vol-download u @W@/down3.bin --pool V@T@ --length -1",
    "vol-download u /nodir/x --pool V@T@",
    "vol-download nosuch @W@/down6.bin --pool V@T@",
    "vol-download u @I@ --pool V@T@",
    "vol-download u /dev/full --pool V@T@",
    "vol-download @W@/v/u /dev/full --sparse",
    "vol-create-as V@T@ s 1M",
    "vol-upload s @I@/sparse.bin --pool V@T@ --sparse",
    "vol-download s @W@/sparse2.bin --pool V@T@ --sparse",
    "vol-info s --pool V@T@ --bytes",
];

/// Deterministic bytes that do not compress into patterns.
fn noise(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// What differs between two runs by time alone: UUIDs of new pools, file timestamps.
fn mask(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if ["<atime>", "<mtime>", "<ctime>", "<btime>"]
            .iter()
            .any(|p| t.starts_with(p))
        {
            out.push_str("      <TIME/>\n");
        } else if let Some(i) = line.find("with uuid ") {
            out.push_str(&line[..i + 10]);
            out.push_str("UUID\n");
        } else {
            out.push_str(line);
        }
    }
    out
}

fn args_of(step: &str, w: &str, tag: &str, inputs: &str) -> Vec<String> {
    step.split_whitespace()
        .map(|a| {
            if a == "''" {
                return String::new();
            }
            a.replace("@W@", w)
                .replace("@T@", tag)
                .replace("@I@", inputs)
                .replace('~', " ")
        })
        .collect()
}

fn inputs() -> TempDir {
    let dir = TempDir::new("stg-inputs");
    let p = dir.path();
    std::fs::write(p.join("up.bin"), noise(300_000)).expect("up.bin");
    // 1 MiB with one small island of data: holes before and after it.
    let f = std::fs::File::create(p.join("sparse.bin")).expect("sparse.bin");
    f.set_len(1 << 20).expect("set_len");
    use std::os::unix::fs::FileExt;
    f.write_all_at(b"hello, sparse world\n", 500_000)
        .expect("write");
    std::fs::write(
        p.join("new.xml"),
        "<volume>\n  <name>fromx</name>\n  <capacity>1048576</capacity>\n</volume>\n",
    )
    .expect("new.xml");
    std::fs::write(
        p.join("new2.xml"),
        "<volume>\n  <name>fromy</name>\n  <capacity>65536</capacity>\n</volume>\n",
    )
    .expect("new2.xml");
    dir
}

#[test]
fn rvirsh_storage_commands_match_virsh() {
    let name = "rvirsh_storage_commands_match_virsh";
    if !common::is_root() {
        return skip(name, "needs root");
    }
    let Some(rvirsh) = common::rvirsh_bin() else {
        return skip(name, "rvirsh is not built");
    };
    if let Some(why) = common::virsh_unavailable() {
        return skip(name, &why);
    }
    let mut rv = Rvirtd::start("storage-cmds");
    let uri = qemu_uri(&rv.sock);
    let home = TempDir::new("home");
    let input = inputs();
    let ind = input.path().display().to_string();
    let up = std::fs::read(input.path().join("up.bin")).expect("up.bin");
    let sparse = std::fs::read(input.path().join("sparse.bin")).expect("sparse.bin");
    let mut outs = Vec::new();
    // Tags of one length, so that tables of paths come out equally wide.
    for (tag, bin) in [("t1x", None), ("t2x", Some(&rvirsh))] {
        let w = TempDir::new(&format!("stg-{tag}"));
        let wd = w.path().display().to_string();
        let mut text = String::new();
        for s in STEPS {
            let mut c = match bin {
                Some(b) => common::client_cmd(b, home.path(), home.path()),
                None => virsh_cmd(home.path(), home.path()),
            };
            c.arg("-c").arg(&uri).args(args_of(s, &wd, tag, &ind));
            let o = run(c, None, Duration::from_secs(60));
            let out = format!("{s}: rc={}\n{}{}", o.rc, o.stdout, o.stderr)
                .replace(&wd, "@W@")
                .replace(&ind, "@I@")
                .replace(tag, "@T@");
            text.push_str(&mask(&out));
        }
        // The data went through unchanged, whichever client moved it.
        let down = std::fs::read(w.path().join("down.bin")).expect("down.bin");
        assert!(
            down.len() == 1 << 20 && down.starts_with(&up),
            "{tag}: vol-download returned what vol-upload sent"
        );
        let down2 = std::fs::read(w.path().join("down2.bin")).expect("down2.bin");
        assert!(down2 == up[100..1100], "{tag}: --offset/--length");
        let back = std::fs::read(w.path().join("sparse2.bin")).expect("sparse2.bin");
        assert!(back == sparse, "{tag}: a sparse round trip");
        outs.push(text);
    }
    assert!(
        outs[0] == outs[1],
        "virsh vs rvirsh:\n{}",
        common::diff(&outs[0], &outs[1])
    );
    rv.assert_healthy();
}

/// On a terminal, vol-upload draws a progress bar on it; the upload still lands.
#[test]
fn rvirsh_vol_upload_draws_progress_on_a_terminal() {
    let name = "rvirsh_vol_upload_draws_progress_on_a_terminal";
    if !common::is_root() {
        return skip(name, "needs root");
    }
    let Some(rvirsh) = common::rvirsh_bin() else {
        return skip(name, "rvirsh is not built");
    };
    let rv = Rvirtd::start("storage-tty");
    let uri = qemu_uri(&rv.sock);
    let home = TempDir::new("home");
    let w = TempDir::new("stg-tty");
    let target = w.path().join("pool");
    let file = w.path().join("data.bin");
    let data = noise(2 << 20);
    std::fs::write(&file, &data).expect("data.bin");
    let target_s = target.display().to_string();
    for args in [
        vec![
            "pool-create-as",
            "T",
            "dir",
            "--target",
            &target_s,
            "--build",
        ],
        vec!["vol-create-as", "T", "v", "2M"],
    ] {
        let mut c = common::client_cmd(&rvirsh, home.path(), home.path());
        c.arg("-c").arg(&uri).args(&args);
        let o = run(c, None, Duration::from_secs(30));
        assert_eq!(o.rc, 0, "{args:?}: {}{}", o.stdout, o.stderr);
    }
    // Piped: nothing but the blank line after the command.
    let mut c = common::client_cmd(&rvirsh, home.path(), home.path());
    c.arg("-c")
        .arg(&uri)
        .args(["vol-upload", "v"])
        .arg(&file)
        .args(["--pool", "T"]);
    let o = run(c, None, Duration::from_secs(30));
    assert_eq!((o.rc, o.stdout.as_str(), o.stderr.as_str()), (0, "\n", ""));

    let mut c = common::client_cmd(&rvirsh, home.path(), home.path());
    c.env("TERM", "xterm")
        .arg("-c")
        .arg(&uri)
        .args(["vol-upload", "v"])
        .arg(&file)
        .args(["--pool", "T"]);
    let mut tty = OnTty::spawn(c).expect("a terminal");
    let rc = tty.wait(Duration::from_secs(30));
    let text = tty.text();
    assert_eq!(rc, Some(0), "vol-upload on a terminal: {text}");
    assert!(
        text.contains("2.00 MiB/2.00 MiB") && text.contains('='),
        "no progress bar on the terminal: {text:?}"
    );
    let vol = std::fs::read(target.join("v")).expect("the volume");
    assert!(vol == data, "the volume holds what was uploaded");
}
