//! Property tests of the wire decoders: no byte string makes the packet parser or any
//! procedure's argument, return or event decoder panic (they return errors), and encoding
//! then decoding gives back the value for generated values of representative types.

use proptest::collection::vec;
use proptest::prelude::*;
use rvirt_rpc::packet::{body_len, encode_packet, Header, Packet, HEADER_SIZE};
use rvirt_rpc::protocol::remote::*;
use rvirt_rpc::protocol::types::{
    Dom, DomainEventCallbackLifecycleMsg, DomainEventLifecycleMsg, Net, NodeGetInfoRet,
    RemoteError, TypedParam, TypedValue,
};
use rvirt_rpc::protocol::{EventMessage, Procedure};
use rvirt_rpc::stream::{classify, StreamHole, StreamKey, StreamMsg};
use rvirt_rpc::xdr::{self, CharArray, Xdr};

/// Decodes `bytes` as `T`, and also every prefix-truncated and bit-flipped form of a valid
/// encoding of `T::default()` spliced with them, so decoding goes past the first field.
fn decode_all<T: Xdr + Default>(bytes: &[u8]) {
    let _ = xdr::from_bytes::<T>(bytes);
    let mut r = xdr::Reader::new(bytes);
    let _ = T::decode(&mut r);
    let valid = xdr::to_bytes(&T::default());
    for cut in [0, valid.len() / 2, valid.len().saturating_sub(1)] {
        let _ = xdr::from_bytes::<T>(&valid[..cut]);
    }
    let mut mixed = valid.clone();
    for (i, b) in bytes.iter().enumerate() {
        if mixed.is_empty() {
            break;
        }
        let at = (i * 7 + usize::from(*b)) % mixed.len();
        mixed[at] ^= *b;
    }
    let _ = xdr::from_bytes::<T>(&mixed);
    let mut appended = valid;
    appended.extend_from_slice(bytes);
    let _ = xdr::from_bytes::<T>(&appended);
}

macro_rules! all_procedures {
    ($bytes:expr; $($p:ident),* $(,)?) => {{
        let mut n = 0usize;
        $(
            decode_all::<<$p as Procedure>::Args>($bytes);
            decode_all::<<$p as Procedure>::Ret>($bytes);
            n += 1;
        )*
        n
    }};
}

macro_rules! all_events {
    ($bytes:expr; $($e:ident),* $(,)?) => {{
        $( decode_all::<<$e as EventMessage>::Msg>($bytes); )*
    }};
}

fn decode_everything(bytes: &[u8]) -> usize {
    decode_all::<RemoteError>(bytes);
    decode_all::<TypedParam>(bytes);
    decode_all::<Vec<TypedParam>>(bytes);
    decode_all::<NodeGetInfoRet>(bytes);
    decode_all::<Option<String>>(bytes);
    decode_all::<CharArray>(bytes);
    decode_all::<StreamHole>(bytes);
    all_events!(bytes;
        DomainEventLifecycle, DomainEventReboot, NetworkEventLifecycle,
        DomainEventCallbackLifecycle, DomainEventCallbackReboot,
        DomainEventCallbackDeviceRemoved, DomainEventCallbackDeviceAdded,
        ConnectEventConnectionClosed, StoragePoolEventLifecycle, StoragePoolEventRefresh,
        DomainEventCallbackMetadataChange,
    );
    all_procedures!(bytes;
        ConnectOpen, ConnectClose, ConnectGetType, ConnectGetVersion, ConnectGetMaxVcpus,
        NodeGetInfo, ConnectGetCapabilities, DomainAttachDevice, DomainCreate, DomainCreateXml,
        DomainDefineXml, DomainDestroy, DomainDetachDevice, DomainGetXmlDesc, DomainGetAutostart,
        DomainGetInfo, DomainGetMaxMemory, DomainGetMaxVcpus, DomainGetOsType, DomainGetVcpus,
        ConnectListDefinedDomains, DomainLookupById, DomainLookupByName, DomainLookupByUuid,
        ConnectNumOfDefinedDomains, DomainReboot, DomainResume, DomainSetAutostart,
        DomainSetMaxMemory, DomainSetMemory, DomainSetVcpus, DomainShutdown, DomainSuspend,
        DomainUndefine, ConnectListDefinedNetworks, ConnectListDomains, ConnectListNetworks,
        NetworkCreate, NetworkCreateXml, NetworkDefineXml, NetworkDestroy, NetworkGetXmlDesc,
        NetworkGetAutostart, NetworkGetBridgeName, NetworkLookupByName, NetworkLookupByUuid,
        NetworkSetAutostart, NetworkUndefine, ConnectNumOfDefinedNetworks, ConnectNumOfDomains,
        ConnectNumOfNetworks, DomainCoreDump, DomainRestore, DomainSave, DomainGetSchedulerType,
        ConnectGetHostname, ConnectSupportsFeature, DomainBlockStats, DomainInterfaceStats,
        AuthList, AuthSaslInit, AuthSaslStart, AuthSaslStep, AuthPolkit, ConnectNumOfStoragePools,
        ConnectListStoragePools, ConnectNumOfDefinedStoragePools, ConnectListDefinedStoragePools,
        ConnectFindStoragePoolSources, StoragePoolCreateXml, StoragePoolDefineXml,
        StoragePoolCreate, StoragePoolBuild, StoragePoolDestroy, StoragePoolDelete,
        StoragePoolUndefine, StoragePoolRefresh, StoragePoolLookupByName, StoragePoolLookupByUuid,
        StoragePoolLookupByVolume, StoragePoolGetInfo, StoragePoolGetXmlDesc,
        StoragePoolGetAutostart, StoragePoolSetAutostart, StoragePoolNumOfVolumes,
        StoragePoolListVolumes, StorageVolCreateXml, StorageVolDelete, StorageVolLookupByName,
        StorageVolLookupByKey, StorageVolLookupByPath, StorageVolGetInfo, StorageVolGetXmlDesc,
        StorageVolGetPath, NodeGetCellsFreeMemory, NodeGetFreeMemory, ConnectDomainEventRegister,
        ConnectDomainEventDeregister, ConnectGetUri, NodeNumOfDevices, NodeListDevices,
        NodeDeviceLookupByName, NodeDeviceGetXmlDesc, NodeDeviceGetParent, NodeDeviceNumOfCaps,
        NodeDeviceListCaps, DomainGetSecurityLabel, NodeGetSecurityModel, StorageVolCreateXmlFrom,
        ConnectNumOfInterfaces, ConnectListInterfaces, InterfaceLookupByName,
        InterfaceLookupByMacString, InterfaceGetXmlDesc, InterfaceDefineXml, InterfaceUndefine,
        InterfaceCreate, InterfaceDestroy, ConnectDomainXmlToNative, ConnectNumOfDefinedInterfaces,
        ConnectListDefinedInterfaces, ConnectIsSecure, DomainIsActive, DomainIsPersistent,
        NetworkIsActive, NetworkIsPersistent, StoragePoolIsActive, StoragePoolIsPersistent,
        InterfaceIsActive, ConnectGetLibVersion, DomainMemoryStats, DomainAttachDeviceFlags,
        DomainDetachDeviceFlags, DomainGetJobInfo, StorageVolWipe, ConnectDomainEventRegisterAny,
        ConnectDomainEventDeregisterAny, DomainUpdateDeviceFlags, DomainManagedSave,
        DomainHasManagedSaveImage, DomainManagedSaveRemove, DomainSnapshotCreateXml,
        DomainSnapshotGetXmlDesc, DomainSnapshotNum, DomainSnapshotListNames,
        DomainSnapshotLookupByName, DomainHasCurrentSnapshot, DomainSnapshotCurrent,
        DomainRevertToSnapshot, DomainSnapshotDelete, DomainCreateWithFlags, DomainSetVcpusFlags,
        DomainGetVcpusFlags, DomainOpenConsole, DomainIsUpdated, ConnectGetSysinfo,
        DomainSetMemoryFlags, StorageVolUpload, StorageVolDownload, DomainGetState,
        InterfaceChangeBegin, InterfaceChangeCommit, InterfaceChangeRollback, NodeGetCpuStats,
        NodeGetMemoryStats, DomainUndefineFlags, DomainSaveFlags, DomainRestoreFlags,
        DomainDestroyFlags, DomainSaveImageGetXmlDesc, DomainSaveImageDefineXml, DomainReset,
        DomainShutdownFlags, StorageVolWipePattern, StorageVolResize, DomainGetCpuStats,
        DomainSetMetadata, DomainGetMetadata, ConnectListAllDomains, DomainListAllSnapshots,
        DomainGetHostname, ConnectListAllStoragePools, StoragePoolListAllVolumes,
        ConnectListAllNetworks, ConnectListAllInterfaces, ConnectListAllNodeDevices,
        ConnectListAllNwfilters, ConnectListAllSecrets, ConnectNetworkEventRegisterAny,
        ConnectNetworkEventDeregisterAny, ConnectDomainEventCallbackRegisterAny,
        ConnectDomainEventCallbackDeregisterAny, ConnectGetDomainCapabilities,
        ConnectGetAllDomainStats, DomainDefineXmlFlags, DomainInterfaceAddresses,
        ConnectRegisterCloseCallback, ConnectUnregisterCloseCallback,
        ConnectStoragePoolEventRegisterAny, ConnectStoragePoolEventDeregisterAny,
        ConnectNodeDeviceEventRegisterAny, ConnectNodeDeviceEventDeregisterAny,
        ConnectSecretEventRegisterAny, ConnectSecretEventDeregisterAny, DomainGetMessages,
        NetworkDefineXmlFlags, NetworkCreateXmlFlags, DomainGetSchedulerParameters,
        DomainSetSchedulerParameters, NodeDeviceCreateXml, NodeDeviceDestroy, ConnectNumOfSecrets,
        ConnectListSecrets, SecretLookupByUuid, SecretDefineXml, NwfilterLookupByName,
        NwfilterLookupByUuid, ConnectNumOfNwfilters, ConnectListNwfilters, NwfilterDefineXml,
        DomainSetSchedulerParametersFlags, DomainGetSchedulerParametersFlags, DomainGetVcpuPinInfo,
        NetworkUpdate, NodeGetCpuMap, NodeDeviceLookupScsiHostByWwn, DomainSetMemoryStatsPeriod,
        StorageVolGetInfoFlags, NwfilterDefineXmlFlags, NodeDeviceGetAutostart,
        NodeDeviceIsPersistent, NodeDeviceIsActive, DomainScreenshot, DomainOpenChannel,
        DomainDetachDeviceAlias, DomainGetBlockInfo, DomainBlockStatsFlags, DomainPinVcpu,
        DomainPinVcpuFlags, DomainPinEmulator, DomainGetEmulatorPinInfo,
        ConnectGetStoragePoolCapabilities,
    )
}

#[test]
fn default_arguments_of_every_procedure_round_trip() {
    for (n, name, _) in TABLE {
        let args = default_args(*n).unwrap_or_else(|| panic!("{name} has no default arguments"));
        assert_eq!(check_round_trip(*n, &args), Some(Ok(())), "{name}");
    }
}

#[test]
fn every_declared_procedure_is_covered() {
    // The list above is written out by hand; it must follow the table.
    assert_eq!(decode_everything(&[]), TABLE.len());
}

fn header() -> impl Strategy<Value = Header> {
    (
        any::<u32>(),
        any::<u32>(),
        any::<i32>(),
        any::<i32>(),
        any::<u32>(),
        any::<i32>(),
    )
        .prop_map(|(prog, vers, proc_, kind, serial, status)| Header {
            prog,
            vers,
            proc_,
            kind,
            serial,
            status,
        })
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![".{0,40}", "[a-z0-9-]{0,12}", Just(String::new())]
}

fn uuid() -> impl Strategy<Value = uuid::Uuid> {
    any::<[u8; 16]>().prop_map(uuid::Uuid::from_bytes)
}

fn dom() -> impl Strategy<Value = Dom> {
    (text(), uuid(), any::<i32>()).prop_map(|(name, uuid, id)| Dom { name, uuid, id })
}

fn net() -> impl Strategy<Value = Net> {
    (text(), uuid()).prop_map(|(name, uuid)| Net { name, uuid })
}

fn remote_error() -> impl Strategy<Value = RemoteError> {
    (
        (
            any::<i32>(),
            any::<i32>(),
            proptest::option::of(text()),
            any::<i32>(),
        ),
        proptest::option::of(dom()),
        (
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(text()),
        ),
        (any::<i32>(), any::<i32>(), proptest::option::of(net())),
    )
        .prop_map(
            |((code, domain, message, level), dom, (str1, str2, str3), (int1, int2, net))| {
                RemoteError {
                    code,
                    domain,
                    message,
                    level,
                    dom,
                    str1,
                    str2,
                    str3,
                    int1,
                    int2,
                    net,
                }
            },
        )
}

fn typed_param() -> impl Strategy<Value = TypedParam> {
    let value = prop_oneof![
        any::<i32>().prop_map(TypedValue::Int),
        any::<u32>().prop_map(TypedValue::UInt),
        any::<i64>().prop_map(TypedValue::LLong),
        any::<u64>().prop_map(TypedValue::ULLong),
        // Finite only: NaN is never equal to itself.
        (-1e300f64..1e300).prop_map(TypedValue::Double),
        any::<bool>().prop_map(TypedValue::Boolean),
        text().prop_map(TypedValue::String),
    ];
    (text(), value).prop_map(|(field, value)| TypedParam { field, value })
}

fn node_info() -> impl Strategy<Value = NodeGetInfoRet> {
    (any::<[u8; 32]>(), any::<u64>(), any::<[i32; 6]>()).prop_map(|(model, memory, n)| {
        NodeGetInfoRet {
            model: CharArray(model.to_vec()),
            memory,
            cpus: n[0],
            mhz: n[1],
            nodes: n[2],
            sockets: n[3],
            cores: n[4],
            threads: n[5],
        }
    })
}

fn round_trips<T: Xdr + PartialEq + std::fmt::Debug>(v: &T) -> Result<(), TestCaseError> {
    let bytes = xdr::to_bytes(v);
    prop_assert_eq!(bytes.len() % 4, 0, "XDR output is not 4-byte aligned");
    prop_assert!(bytes.len() >= T::MIN_SIZE, "shorter than MIN_SIZE");
    let back: T = xdr::from_bytes(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, v);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn packet_parse_never_panics(bytes in vec(any::<u8>(), 0..256)) {
        if let Ok(p) = Packet::parse(&bytes) {
            prop_assert_eq!(p.payload.len() + HEADER_SIZE, bytes.len());
        } else {
            prop_assert!(bytes.len() < HEADER_SIZE);
        }
    }

    #[test]
    fn length_words_are_bounded(word in any::<[u8; 4]>()) {
        if let Ok(n) = body_len(word) {
            prop_assert!(n >= HEADER_SIZE);
            prop_assert!(n <= rvirt_rpc::packet::MESSAGE_MAX);
        }
    }

    #[test]
    fn decoders_never_panic(bytes in vec(any::<u8>(), 0..192)) {
        decode_everything(&bytes);
    }

    #[test]
    fn every_declared_procedure_round_trips(words in vec(prop_oneof![
        Just(0u32), Just(1u32), Just(2u32), Just(16u32), any::<u32>()
    ], 0..48)) {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
        for (n, _, _) in TABLE {
            if let Some(Err(e)) = check_round_trip(*n, &bytes) {
                prop_assert!(false, "{}", e);
            }
        }
    }

    #[test]
    fn decoders_never_panic_on_word_soup(words in vec(prop_oneof![
        Just(0u32), Just(1), Just(2), Just(7), Just(16), Just(u32::MAX), Just(0x7fff_ffff),
        any::<u32>()
    ], 0..48)) {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
        decode_everything(&bytes);
    }

    #[test]
    fn packets_round_trip(h in header(), payload in vec(any::<u8>(), 0..64)) {
        let wire = encode_packet(&h, &payload);
        let n = body_len([wire[0], wire[1], wire[2], wire[3]]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(n, wire.len() - 4);
        let p = Packet::parse(&wire[4..]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(p.header, h);
        prop_assert_eq!(p.payload, payload);
    }

    #[test]
    fn remote_errors_round_trip(e in remote_error()) {
        round_trips(&e)?;
    }

    #[test]
    fn typed_params_round_trip(ps in vec(typed_param(), 0..8)) {
        round_trips(&ps)?;
    }

    #[test]
    fn domain_lists_round_trip(domains in vec(dom(), 0..8), ret in any::<u32>()) {
        round_trips(&ConnectListAllDomainsRet { domains, ret })?;
    }

    #[test]
    fn open_args_round_trip(name in proptest::option::of(text()), flags in any::<u32>()) {
        round_trips(&ConnectOpenArgs { name, flags })?;
    }

    #[test]
    fn node_info_round_trips(v in node_info()) {
        round_trips(&v)?;
    }

    #[test]
    fn lifecycle_events_round_trip(callback_id in any::<i32>(), dom in dom(), event in any::<i32>(), detail in any::<i32>()) {
        round_trips(&DomainEventCallbackLifecycleMsg {
            callback_id,
            msg: DomainEventLifecycleMsg { dom, event, detail },
        })?;
    }

    #[test]
    fn lookups_round_trip(name in text()) {
        round_trips(&DomainLookupByNameArgs { name })?;
    }

    #[test]
    fn stream_packets_classify_without_panicking(h in header(), payload in vec(any::<u8>(), 0..64)) {
        // Whatever the header and body, classification answers; a stream packet's status
        // and (for holes) body decide which.
        let _ = classify(&h, &payload);
    }

    #[test]
    fn stream_packets_round_trip(
        prog in any::<u32>(), proc_ in any::<i32>(), serial in any::<u32>(),
        data in vec(any::<u8>(), 1..64), length in any::<i64>(), e in remote_error(),
    ) {
        let k = StreamKey { prog, proc_, serial };
        let back = |wire: Vec<u8>| -> Result<(Header, Vec<u8>), TestCaseError> {
            let p = Packet::parse(&wire[4..]).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(StreamKey::of(&p.header), k);
            Ok((p.header, p.payload))
        };
        let (h, p) = back(k.data(&data))?;
        prop_assert_eq!(classify(&h, &p), Ok(StreamMsg::Data(&data[..])));
        let (h, p) = back(k.eof())?;
        prop_assert_eq!(classify(&h, &p), Ok(StreamMsg::Eof));
        let (h, p) = back(k.hole(length))?;
        prop_assert_eq!(classify(&h, &p), Ok(StreamMsg::Hole(StreamHole { length, flags: 0 })));
        let (h, p) = back(k.ok())?;
        prop_assert_eq!(classify(&h, &p), Ok(StreamMsg::Ok));
        let (h, p) = back(k.error(&e))?;
        match classify(&h, &p) {
            Ok(StreamMsg::Error(body)) => {
                let got: RemoteError = xdr::from_bytes(body).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(got, e);
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }
}
