//! The test driver's state machine: states, reasons, ids and errors as libvirt 9.0 reports
//! them, state shared between connections, and events.

use rvirt_core::driver::{ConnectDriver, DriverSet};
use rvirt_core::event::{DomainEventKind, Event, EventCallback};
use rvirt_core::types::{event::lifecycle as ev, reason, DomainState};
use rvirt_core::{ConnectUri, ErrorCode};
use rvirt_driver_test::TestConnectDriver;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

const XML: &str =
    "<domain type='test'><name>vm</name><memory>1024</memory><os><type>hvm</type></os></domain>";

fn open(driver: &TestConnectDriver) -> DriverSet {
    driver
        .open(&ConnectUri::parse("test:///default").expect("uri"), 0)
        .expect("open")
}

#[test]
fn start_suspend_resume_destroy_follow_libvirt_states_and_reasons() {
    let drv = TestConnectDriver::default();
    let hv = open(&drv).hypervisor;
    let dom = hv.domain_define_xml(XML, 0).expect("define");
    assert_eq!(dom.id, -1);
    assert_eq!(
        hv.domain_get_state(&dom, 0).expect("state"),
        (DomainState::Shutoff, reason::shutoff::UNKNOWN)
    );
    let dom = hv.domain_create(&dom, 0).expect("start");
    assert_eq!(dom.id, 2, "the built-in domain has id 1");
    assert_eq!(
        hv.domain_get_state(&dom, 0).expect("state"),
        (DomainState::Running, reason::running::BOOTED)
    );
    hv.domain_suspend(&dom).expect("suspend");
    assert_eq!(
        hv.domain_get_state(&dom, 0).expect("state"),
        (DomainState::Paused, reason::paused::USER)
    );
    let e = hv.domain_suspend(&dom).expect_err("already paused");
    assert_eq!(e.message, "internal error: domain 'vm' not running");
    hv.domain_resume(&dom).expect("resume");
    assert_eq!(
        hv.domain_get_state(&dom, 0).expect("state"),
        (DomainState::Running, reason::running::UNPAUSED)
    );
    hv.domain_destroy(&dom, 0).expect("destroy");
    assert_eq!(
        hv.domain_get_state(&dom, 0).expect("state"),
        (DomainState::Shutoff, reason::shutoff::DESTROYED)
    );
    let e = hv.domain_destroy(&dom, 0).expect_err("not running");
    assert_eq!(e.code, ErrorCode::OPERATION_INVALID);
    assert_eq!(
        e.message,
        "Requested operation is not valid: domain is not running"
    );
    let again = hv.domain_create(&dom, 0).expect("restart");
    assert_eq!(again.id, 3, "ids are never reused");
}

#[test]
fn save_and_restore_round_trip_through_the_file() {
    let drv = TestConnectDriver::default();
    let hv = open(&drv).hypervisor;
    let dom = hv.domain_lookup_by_name("test").expect("built-in");
    let file = std::env::temp_dir().join(format!("rvirt-save-{}.img", std::process::id()));
    let path = file.to_string_lossy().into_owned();
    hv.domain_save(&dom, &path, None, 0).expect("save");
    assert_eq!(
        hv.domain_get_state(&dom, 0).expect("state"),
        (DomainState::Shutoff, reason::shutoff::SAVED)
    );
    let data = std::fs::read(&file).expect("file written");
    assert!(data.starts_with(b"TestGuestMagic\0"));
    hv.domain_restore(&path, None, 0).expect("restore");
    assert_eq!(
        hv.domain_get_state(&dom, 0).expect("state"),
        (DomainState::Running, reason::running::RESTORED)
    );
    let _ = std::fs::remove_file(&file);
    let e = hv
        .domain_restore("/nonexistent/file", None, 0)
        .expect_err("missing");
    assert_eq!(
        e.message,
        "cannot read domain image '/nonexistent/file': No such file or directory"
    );
}

#[test]
fn managed_save_blocks_undefine_until_removed() {
    let drv = TestConnectDriver::default();
    let hv = open(&drv).hypervisor;
    let dom = hv.domain_lookup_by_name("test").expect("built-in");
    hv.domain_managed_save(&dom, 0).expect("managed save");
    assert!(hv.domain_has_managed_save_image(&dom, 0).expect("flag"));
    let e = hv.domain_undefine(&dom, 0).expect_err("refused");
    assert_eq!(
        e.message,
        "Requested operation is not valid: Refusing to undefine while domain managed save image exists"
    );
    hv.domain_undefine(&dom, 1)
        .expect("undefine with managed save flag");
    assert_eq!(
        hv.domain_lookup_by_name("test").expect_err("gone").code,
        ErrorCode::NO_DOMAIN
    );
}

#[test]
fn state_is_shared_while_a_connection_is_open_and_reset_after() {
    let drv = TestConnectDriver::default();
    let first = open(&drv);
    first.hypervisor.domain_define_xml(XML, 0).expect("define");
    let second = open(&drv);
    assert!(
        second.hypervisor.domain_lookup_by_name("vm").is_ok(),
        "shared state"
    );
    drop(first);
    drop(second);
    let third = open(&drv);
    assert!(
        third.hypervisor.domain_lookup_by_name("vm").is_err(),
        "fresh state after the last close"
    );
}

#[test]
fn lifecycle_events_reach_registered_callbacks() {
    let drv = TestConnectDriver::default();
    let hv = open(&drv).hypervisor;
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let cb: EventCallback = Arc::new(move |_id, e: &Event| {
        if let Event::Domain {
            kind: DomainEventKind::Lifecycle { event, detail },
            dom,
        } = e
        {
            let _ = tx
                .lock()
                .map(|t| t.send((dom.name.clone(), *event, *detail)));
        }
    });
    hv.domain_event_register_any(None, 0, cb).expect("register");
    let dom = hv.domain_define_xml(XML, 0).expect("define");
    hv.domain_create(&dom, 0).expect("start");
    let got: Vec<_> = (0..2)
        .map(|_| rx.recv_timeout(Duration::from_secs(5)).expect("event"))
        .collect();
    assert_eq!(
        got,
        vec![
            ("vm".to_string(), ev::DEFINED, 0),
            ("vm".to_string(), ev::STARTED, 0)
        ]
    );
}

#[test]
fn set_memory_respects_live_and_config_rules() {
    let drv = TestConnectDriver::default();
    let hv = open(&drv).hypervisor;
    let dom = hv.domain_lookup_by_name("test").expect("built-in");
    let e = hv.domain_set_memory(&dom, 1024, 3).expect_err("both");
    assert_eq!(
        e.message,
        "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive"
    );
    let e = hv
        .domain_set_memory(&dom, 99_999_999, 1)
        .expect_err("above max");
    assert_eq!(
        e.message,
        "invalid argument: cannot set memory higher than max memory"
    );
    hv.domain_set_memory(&dom, 1_048_576, 1).expect("balloon");
    assert_eq!(hv.domain_get_info(&dom).expect("info").memory, 1_048_576);
    let e = hv
        .domain_set_memory(&dom, 1_048_576, 4)
        .expect_err("max on live");
    assert_eq!(
        e.message,
        "Requested operation is not valid: cannot resize the maximum memory on an active domain"
    );
}
