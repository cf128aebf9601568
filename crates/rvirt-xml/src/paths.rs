//! File paths as libvirt cleans them before storing.

/// libvirt's `virFileSanitizePath`: repeated slashes collapse and a trailing slash goes; a
/// leading `//` is kept (POSIX gives it a meaning of its own) and URIs (`scheme://` before
/// any other slash) are left alone. Storage paths and device nodes (evdev, rendernode,
/// tap, vhost, shmem sockets) go through it.
pub fn sanitize_path(p: &str) -> String {
    if let Some(uri) = p.find("://") {
        if p.find('/').unwrap_or(p.len()) > uri {
            return p.to_string();
        }
    }
    let b = p.as_bytes();
    let (mut out, rest) = if b.len() >= 2 && b[0] == b'/' && b[1] == b'/' && b.get(2) != Some(&b'/')
    {
        (String::from("//"), &p[2..])
    } else {
        (String::new(), p)
    };
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '/' {
            out.push(c);
            continue;
        }
        while chars.peek() == Some(&'/') {
            chars.next();
        }
        // A trailing slash goes, unless it is the whole path.
        if !out.is_empty() && chars.peek().is_none() {
            break;
        }
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expectations were checked with virsh (pool target paths).
    #[test]
    fn sanitize_path_like_libvirt() {
        assert_eq!(sanitize_path("/srv/pool//images/"), "/srv/pool/images");
        assert_eq!(sanitize_path("//net/x"), "//net/x");
        assert_eq!(sanitize_path("//a//b/"), "//a/b");
        assert_eq!(sanitize_path("//"), "//");
        assert_eq!(sanitize_path("///x"), "/x");
        assert_eq!(sanitize_path("///a//b/"), "/a/b");
        assert_eq!(sanitize_path("/"), "/");
        assert_eq!(sanitize_path("rel//x/"), "rel/x");
        assert_eq!(sanitize_path("x://a//b"), "x://a//b");
        assert_eq!(sanitize_path("/x://a//b/"), "/x:/a/b");
    }
}
