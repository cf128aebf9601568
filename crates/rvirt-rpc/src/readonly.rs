//! Which REMOTE procedures a read-only connection may not call.
//!
//! libvirt refuses these in its public API, before any driver is asked, so a read-only
//! client hears "operation forbidden" even for calls the driver does not implement. The
//! list was measured, not guessed: every procedure of libvirt 9.0 called with all-zero
//! arguments on the real libvirtd's read-only socket (the test `readonly_sweep` in
//! rvirtd repeats that measurement against both daemons). Calls refused only with some
//! flags (`virDomainGetXMLDesc` with `VIR_DOMAIN_XML_SECURE`) are checked where they are
//! served.

/// The refused procedures, in ascending order.
const REFUSED: &[i32] = &[
    8, 9, 10, 11, 12, 13, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 39, 40, 41, 42, 48, 49, 53, 54,
    55, 58, 61, 62, 63, 75, 76, 77, 78, 79, 80, 81, 82, 83, 90, 93, 94, 103, 104, 108, 109, 118,
    119, 120, 123, 124, 125, 131, 132, 133, 134, 135, 136, 142, 144, 145, 146, 148, 160, 161, 164,
    165, 166, 174, 180, 181, 182, 184, 185, 192, 193, 196, 197, 199, 201, 204, 205, 207, 208, 209,
    210, 211, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222, 225, 226, 231, 232, 233, 234, 235,
    236, 237, 239, 240, 242, 245, 250, 251, 252, 254, 256, 258, 259, 260, 261, 264, 266, 267, 277,
    279, 288, 290, 291, 294, 296, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 334, 335,
    336, 337, 338, 342, 343, 345, 347, 349, 350, 352, 355, 356, 357, 364, 366, 371, 372, 384, 386,
    389, 390, 392, 393, 395, 396, 399, 400, 402, 406, 408, 410, 411, 417, 418, 420, 421, 424, 425,
    427, 428, 429, 430, 431, 432, 433, 434, 437, 440, 441, 442,
];

/// Whether a read-only connection is refused procedure `n` whatever its arguments.
pub fn refused_on_read_only(n: i32) -> bool {
    REFUSED.binary_search(&n).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_holds_the_obvious_ones() {
        assert!(REFUSED.windows(2).all(|w| w[0] < w[1]));
        // virDomainCreate, virDomainDestroy, virStorageVolUpload
        for n in [9, 12, 208] {
            assert!(refused_on_read_only(n), "{n}");
        }
        // virConnectGetType, virDomainLookupByName
        for n in [3, 23] {
            assert!(!refused_on_read_only(n), "{n}");
        }
    }
}
