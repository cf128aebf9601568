//! The small device families: `<watchdog>`, `<memballoon>`, `<nvram>`, `<panic>`, `<hub>`,
//! `<iommu>`, `<vsock>` and `<crypto>`.

use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::domain::info::{DeviceInfo, InfoAllow};
use crate::error::{internal, unsupported, xml_error};
use crate::read::{ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::{on_off, yes_no, Out};
use crate::xml_enum;
use rvirt_core::Result;

use super::virtio::VirtioOptions;
use crate::num;

// ---------------------------------------------------------------------------------------
// watchdog

xml_enum! {
    /// Watchdog models known to libvirt 9.0 (`itco` came later).
    pub enum WatchdogModel {
        I6300esb = "i6300esb",
        Ib700 = "ib700",
        Diag288 = "diag288",
    }
}

xml_enum! {
    pub enum WatchdogAction {
        Reset = "reset",
        Shutdown = "shutdown",
        Poweroff = "poweroff",
        Pause = "pause",
        Dump = "dump",
        None = "none",
        InjectNmi = "inject-nmi",
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watchdog {
    pub model: WatchdogModel,
    /// libvirt fills in `reset` at parse time, so it is always printed.
    pub action: WatchdogAction,
    pub info: DeviceInfo,
}

impl Watchdog {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Watchdog> {
        let model = el
            .attr("model")
            .ok_or_else(|| internal("watchdog must contain model name"))?;
        let model = WatchdogModel::from_xml(model)
            .ok_or_else(|| unsupported(format!("unknown watchdog model '{model}'")))?;
        let action = match el.attr("action") {
            None => WatchdogAction::Reset,
            Some(a) => WatchdogAction::from_xml(a)
                .ok_or_else(|| unsupported(format!("unknown watchdog action '{a}'")))?,
        };
        let info = DeviceInfo::parse(el, ctx, InfoAllow::default())?;
        Ok(Watchdog {
            model,
            action,
            info,
        })
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("watchdog")
            .attr("model", self.model)
            .attr("action", self.action);
        self.info.format_into(&mut o, ctx);
        o
    }

    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// memballoon

xml_enum! {
    pub enum MemballoonModel {
        Virtio = "virtio",
        Xen = "xen",
        None = "none",
        VirtioTransitional = "virtio-transitional",
        VirtioNonTransitional = "virtio-non-transitional",
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Memballoon {
    pub model: MemballoonModel,
    pub autodeflate: Option<bool>,
    pub free_page_reporting: Option<bool>,
    /// Statistics polling period in seconds; 0 (also what negative input becomes) is off.
    pub stats_period: u32,
    /// Never read for model `none`, whose address and alias libvirt ignores.
    pub info: DeviceInfo,
    pub virtio: VirtioOptions,
}

impl Memballoon {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Memballoon> {
        let model = el.req_enum_attr::<MemballoonModel>("model")?;
        let autodeflate = el.on_off_attr("autodeflate")?;
        let free_page_reporting = el.on_off_attr("freePageReporting")?;
        let stats_period = match el.child("stats") {
            Some(s) => num::int_attr(s, "period", 0)?.unwrap_or(0).max(0) as u32,
            None => 0,
        };
        let info = if model == MemballoonModel::None {
            DeviceInfo::default()
        } else {
            DeviceInfo::parse(el, ctx, InfoAllow::default())?
        };
        let virtio = VirtioOptions::parse_child(el)?;
        Ok(Memballoon {
            model,
            autodeflate,
            free_page_reporting,
            stats_period,
            info,
            virtio,
        })
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("memballoon")
            .attr("model", self.model)
            .attr_opt("autodeflate", self.autodeflate.map(on_off))
            .attr_opt("freePageReporting", self.free_page_reporting.map(on_off));
        if self.stats_period != 0 {
            o.push(Out::new("stats").attr("period", self.stats_period));
        }
        self.info.format_into(&mut o, ctx);
        self.virtio.push_driver(&mut o);
        o
    }

    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// nvram

/// The sPAPR NVRAM device: nothing but its address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Nvram {
    pub info: DeviceInfo,
}

impl Nvram {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Nvram> {
        Ok(Nvram {
            info: DeviceInfo::parse(el, ctx, InfoAllow::default())?,
        })
    }

    /// Always printed open and closed, even empty.
    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("nvram").keep_open();
        self.info.format_into(&mut o, ctx);
        o
    }

    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// panic

xml_enum! {
    /// Panic notifier models of libvirt 9.0 (`pvpanic` came later); `default` is accepted
    /// and means no model.
    pub enum PanicModel {
        Isa = "isa",
        Pseries = "pseries",
        Hyperv = "hyperv",
        S390 = "s390",
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Panic {
    pub model: Option<PanicModel>,
    pub info: DeviceInfo,
}

impl Panic {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Panic> {
        let info = DeviceInfo::parse(el, ctx, InfoAllow::default())?;
        let model = match el.attr("model") {
            None | Some("default") => None,
            Some(m) => Some(
                PanicModel::from_xml(m)
                    .ok_or_else(|| unsupported(format!("unknown panic model '{m}'")))?,
            ),
        };
        Ok(Panic { model, info })
    }

    /// Prints nothing at all (an empty element that the device list drops) for a panic
    /// device with neither model nor trailer, as libvirt does. The trailer is printed as
    /// for live XML whatever the context, as libvirt passes no flags here.
    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("panic").attr_opt("model", self.model.as_ref());
        let live = FormatCtx {
            inactive: false,
            ..*ctx
        };
        self.info.format_into(&mut o, &live);
        o
    }

    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        Ok(())
    }

    /// The model name libvirt uses in messages (`default` when unset).
    pub fn model_name(&self) -> &'static str {
        self.model.map_or("default", |m| m.as_xml())
    }
}

/// The domain-level rule that no two panic devices share a model.
pub fn check_duplicate_panics(panics: &[Panic]) -> Result<()> {
    for (i, p) in panics.iter().enumerate() {
        if panics[..i].iter().any(|q| q.model == p.model) {
            return Err(xml_error(format!(
                "Multiple panic devices with model '{}'",
                p.model_name()
            )));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// hub

xml_enum! {
    pub enum HubType {
        Usb = "usb",
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hub {
    pub hub_type: HubType,
    pub info: DeviceInfo,
}

impl Hub {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Hub> {
        let t = el
            .attr("type")
            .ok_or_else(|| internal("missing hub device type"))?;
        let hub_type = HubType::from_xml(t)
            .ok_or_else(|| unsupported(format!("unknown hub device type '{t}'")))?;
        Ok(Hub {
            hub_type,
            info: DeviceInfo::parse(el, ctx, InfoAllow::default())?,
        })
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("hub").attr("type", self.hub_type);
        self.info.format_into(&mut o, ctx);
        o
    }

    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// iommu

xml_enum! {
    pub enum IommuModel {
        Intel = "intel",
        Smmuv3 = "smmuv3",
        Virtio = "virtio",
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Iommu {
    pub model: IommuModel,
    pub intremap: Option<bool>,
    pub caching_mode: Option<bool>,
    pub eim: Option<bool>,
    pub iotlb: Option<bool>,
    /// Guest address width; 0 leaves it to the hypervisor.
    pub aw_bits: u32,
    pub info: DeviceInfo,
}

impl Iommu {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Iommu> {
        let model = el.req_enum_attr::<IommuModel>("model")?;
        let mut i = Iommu {
            model,
            intremap: None,
            caching_mode: None,
            eim: None,
            iotlb: None,
            aw_bits: 0,
            info: DeviceInfo::default(),
        };
        if let Some(d) = el.child("driver") {
            i.intremap = d.on_off_attr("intremap")?;
            i.caching_mode = d.on_off_attr("caching_mode")?;
            i.iotlb = d.on_off_attr("iotlb")?;
            i.eim = d.on_off_attr("eim")?;
            i.aw_bits = num::uint_attr(d, "aw_bits", 10, false)?.unwrap_or(0);
        }
        i.info = DeviceInfo::parse(el, ctx, InfoAllow::default())?;
        Ok(i)
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("iommu").attr("model", self.model);
        o.push_nonempty(
            Out::new("driver")
                .attr_opt("intremap", self.intremap.map(on_off))
                .attr_opt("caching_mode", self.caching_mode.map(on_off))
                .attr_opt("eim", self.eim.map(on_off))
                .attr_opt("iotlb", self.iotlb.map(on_off))
                .attr_opt("aw_bits", (self.aw_bits != 0).then_some(self.aw_bits)),
        );
        self.info.format_into(&mut o, ctx);
        o
    }

    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        Ok(())
    }

    /// Define-time checks that need only the device. Interrupt remapping also needs the
    /// split I/O APIC (`<ioapic driver='qemu'/>`), which the domain checks.
    pub fn validate(&self, _env: &DomainEnv) -> Result<()> {
        let any_driver_attr = self.intremap.is_some()
            || self.caching_mode.is_some()
            || self.eim.is_some()
            || self.iotlb.is_some()
            || self.aw_bits != 0;
        if self.model != IommuModel::Intel && any_driver_attr {
            return Err(xml_error(format!(
                "iommu model '{}' doesn't support additional attributes",
                self.model
            )));
        }
        if self.eim == Some(true) && self.intremap != Some(true) {
            return Err(unsupported(
                "IOMMU eim requires interrupt remapping to be enabled",
            ));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// vsock

xml_enum! {
    pub enum VsockModel {
        Virtio = "virtio",
        VirtioTransitional = "virtio-transitional",
        VirtioNonTransitional = "virtio-non-transitional",
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vsock {
    pub model: Option<VsockModel>,
    /// `<cid auto=...>`; post-parse decides it when absent.
    pub auto_cid: Option<bool>,
    /// The guest CID; never 0.
    pub cid: Option<u32>,
    pub info: DeviceInfo,
    pub virtio: VirtioOptions,
}

impl Vsock {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Vsock> {
        let model = match el.attr("model") {
            Some("default") => None,
            _ => el.enum_attr::<VsockModel>("model")?,
        };
        let (cid, auto_cid) = match el.child("cid") {
            Some(c) => (
                num::uint_attr(c, "address", 10, true)?,
                c.yes_no_attr("auto")?,
            ),
            None => (None, None),
        };
        let info = DeviceInfo::parse(el, ctx, InfoAllow::default())?;
        let virtio = VirtioOptions::parse_child(el)?;
        Ok(Vsock {
            model,
            auto_cid,
            cid,
            info,
            virtio,
        })
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("vsock").attr_opt("model", self.model.as_ref());
        o.push_nonempty(
            Out::new("cid")
                .attr_opt("auto", self.auto_cid.map(yes_no))
                .attr_opt("address", self.cid),
        );
        self.info.format_into(&mut o, ctx);
        self.virtio.push_driver(&mut o);
        o
    }

    /// An unset `auto` becomes `no` when a CID was given and `yes` otherwise.
    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        if self.auto_cid.is_none() {
            self.auto_cid = Some(self.cid.is_none());
        }
        Ok(())
    }

    pub fn validate(&self, _env: &DomainEnv) -> Result<()> {
        if self.cid.is_some_and(|c| c <= 2) {
            return Err(unsupported("guest CIDs must be >= 3"));
        }
        if self.model.is_none() {
            self.virtio.check_absent()?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// crypto

xml_enum! {
    pub enum CryptoModel {
        Virtio = "virtio",
    }
}

xml_enum! {
    pub enum CryptoType {
        Qemu = "qemu",
    }
}

xml_enum! {
    pub enum CryptoBackend {
        Builtin = "builtin",
        Lkcf = "lkcf",
    }
}

/// A virtio crypto device. libvirt 9.0 does not know the element and ignores it, so the
/// device list does not read it; the model is here for later versions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crypto {
    pub model: CryptoModel,
    pub crypto_type: CryptoType,
    pub backend: CryptoBackend,
    /// 0 leaves the queue count to the hypervisor.
    pub queues: u32,
    pub virtio: VirtioOptions,
    pub info: DeviceInfo,
}

impl Crypto {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Crypto> {
        let model = el.req_enum_attr::<CryptoModel>("model")?;
        let crypto_type = el.req_enum_attr::<CryptoType>("type")?;
        let backends: Vec<&Element> = el.children_named("backend").collect();
        let [b] = backends.as_slice() else {
            return Err(xml_error("only one crypto backend is supported"));
        };
        let backend = b.req_enum_attr::<CryptoBackend>("model")?;
        let queues = num::uint_attr(b, "queues", 10, false)?.unwrap_or(0);
        let info = DeviceInfo::parse(el, ctx, InfoAllow::default())?;
        let virtio = VirtioOptions::parse_child(el)?;
        Ok(Crypto {
            model,
            crypto_type,
            backend,
            queues,
            virtio,
            info,
        })
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("crypto")
            .attr("model", self.model)
            .attr("type", self.crypto_type);
        o.push(
            Out::new("backend")
                .attr("model", self.backend)
                .attr_opt("queues", (self.queues != 0).then_some(self.queues)),
        );
        self.virtio.push_driver(&mut o);
        self.info.format_into(&mut o, ctx);
        o
    }

    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn el(xml: &str) -> Element {
        parse_document(xml, "t").expect("well-formed")
    }

    const CTX: ParseCtx = ParseCtx { inactive: true };

    fn fctx() -> FormatCtx {
        FormatCtx {
            inactive: true,
            ..Default::default()
        }
    }

    #[test]
    fn watchdog_defaults_and_errors() {
        let w = Watchdog::parse(&el("<watchdog model='ib700'/>"), &CTX).expect("ok");
        assert_eq!(
            w.format(&fctx()).render(0),
            "<watchdog model='ib700' action='reset'/>\n"
        );
        let e = |x: &str| Watchdog::parse(&el(x), &CTX).expect_err("fails").message;
        assert_eq!(
            e("<watchdog/>"),
            "internal error: watchdog must contain model name"
        );
        assert_eq!(
            e("<watchdog model='itco'/>"),
            "unsupported configuration: unknown watchdog model 'itco'"
        );
        assert_eq!(
            e("<watchdog model='ib700' action='bogus'/>"),
            "unsupported configuration: unknown watchdog action 'bogus'"
        );
    }

    #[test]
    fn memballoon_rules() {
        let m = Memballoon::parse(
            &el("<memballoon model='none'><address type='pci' slot='3'/><alias name='ua-m'/><driver iommu='on'/><stats period='4'/></memballoon>"),
            &CTX,
        )
        .expect("ok");
        assert_eq!(
            m.format(&fctx()).render(0),
            "<memballoon model='none'>\n  <stats period='4'/>\n  <driver iommu='on'/>\n</memballoon>\n"
        );
        let m = Memballoon::parse(
            &el("<memballoon model='virtio'><stats period='-5'/></memballoon>"),
            &CTX,
        )
        .expect("ok");
        assert_eq!(
            m.format(&fctx()).render(0),
            "<memballoon model='virtio'/>\n"
        );
        let m = Memballoon::parse(
            &el("<memballoon model='virtio'><stats period='0x10'/></memballoon>"),
            &CTX,
        )
        .expect("ok");
        assert_eq!(m.stats_period, 16);
        let e = |x: &str| Memballoon::parse(&el(x), &CTX).expect_err("fails").message;
        assert_eq!(
            e("<memballoon/>"),
            "XML error: Missing required attribute 'model' in element 'memballoon'"
        );
        assert_eq!(
            e("<memballoon model='virtio'><stats period='x'/></memballoon>"),
            "XML error: Invalid value for attribute 'period' in element 'stats': 'x'. Expected integer value"
        );
        assert_eq!(
            e("<memballoon model='virtio' autodeflate='yes'/>"),
            "XML error: Invalid value for attribute 'autodeflate' in element 'memballoon': 'yes'."
        );
    }

    #[test]
    fn nvram_always_open() {
        let n = Nvram::parse(&el("<nvram/>"), &CTX).expect("ok");
        assert_eq!(n.format(&fctx()).render(0), "<nvram>\n</nvram>\n");
    }

    #[test]
    fn panic_models() {
        let p = Panic::parse(&el("<panic model='default'/>"), &CTX).expect("ok");
        assert!(p.format(&fctx()).is_empty());
        let e = Panic::parse(&el("<panic model='pvpanic'/>"), &CTX).expect_err("9.0");
        // The rejected corpus case 005-panic-model-pvpanic.
        assert_eq!(
            e.message,
            "unsupported configuration: unknown panic model 'pvpanic'"
        );
        let ps = vec![Panic::default(), Panic::default()];
        assert_eq!(
            check_duplicate_panics(&ps).expect_err("dup").message,
            "XML error: Multiple panic devices with model 'default'"
        );
    }

    #[test]
    fn hub_errors() {
        let e = |x: &str| Hub::parse(&el(x), &CTX).expect_err("fails").message;
        assert_eq!(e("<hub/>"), "internal error: missing hub device type");
        assert_eq!(
            e("<hub type='bogus'/>"),
            "unsupported configuration: unknown hub device type 'bogus'"
        );
        let h = Hub::parse(&el("<hub type='usb'/>"), &CTX).expect("ok");
        assert_eq!(h.format(&fctx()).render(0), "<hub type='usb'/>\n");
    }

    #[test]
    fn iommu_order_and_checks() {
        let i = Iommu::parse(
            &el("<iommu model='intel'><driver iotlb='on' caching_mode='off' aw_bits='0'/></iommu>"),
            &CTX,
        )
        .expect("ok");
        assert_eq!(
            i.format(&fctx()).render(0),
            "<iommu model='intel'>\n  <driver caching_mode='off' iotlb='on'/>\n</iommu>\n"
        );
        let e = Iommu::parse(
            &el("<iommu model='intel'><driver aw_bits='x'/></iommu>"),
            &CTX,
        )
        .expect_err("bad");
        assert_eq!(
            e.message,
            "XML error: Invalid value for attribute 'aw_bits' in element 'driver': 'x'. Expected non-negative integer value"
        );
        let v = |x: &str| {
            Iommu::parse(&el(x), &CTX)
                .expect("ok")
                .validate(&DomainEnv::default())
                .expect_err("invalid")
                .message
        };
        assert_eq!(
            v("<iommu model='smmuv3'><driver iotlb='off'/></iommu>"),
            "XML error: iommu model 'smmuv3' doesn't support additional attributes"
        );
        assert_eq!(
            v("<iommu model='intel'><driver eim='on'/></iommu>"),
            "unsupported configuration: IOMMU eim requires interrupt remapping to be enabled"
        );
    }

    #[test]
    fn vsock_auto_default() {
        let mut v = Vsock::parse(&el("<vsock model='default'/>"), &CTX).expect("ok");
        v.post_parse(&DomainEnv::default()).expect("ok");
        assert_eq!(
            v.format(&fctx()).render(0),
            "<vsock>\n  <cid auto='yes'/>\n</vsock>\n"
        );
        let mut v = Vsock::parse(
            &el("<vsock model='virtio'><driver iommu='on'/><cid address='5'/></vsock>"),
            &CTX,
        )
        .expect("ok");
        v.post_parse(&DomainEnv::default()).expect("ok");
        assert_eq!(
            v.format(&fctx()).render(0),
            "<vsock model='virtio'>\n  <cid auto='no' address='5'/>\n  <driver iommu='on'/>\n</vsock>\n"
        );
        let e = Vsock::parse(&el("<vsock><cid address='0'/></vsock>"), &CTX).expect_err("zero");
        assert_eq!(
            e.message,
            "XML error: Invalid value for attribute 'address' in element 'cid': Zero is not permitted"
        );
        let v = Vsock::parse(&el("<vsock><driver iommu='on'/></vsock>"), &CTX).expect("ok");
        assert_eq!(
            v.validate(&DomainEnv::default())
                .expect_err("virtio")
                .message,
            "unsupported configuration: iommu driver option is only supported for virtio devices"
        );
        let v = Vsock::parse(&el("<vsock><cid address='2'/></vsock>"), &CTX).expect("ok");
        assert_eq!(
            v.validate(&DomainEnv::default()).expect_err("cid").message,
            "unsupported configuration: guest CIDs must be >= 3"
        );
    }

    #[test]
    fn crypto_round_trip() {
        let c = Crypto::parse(
            &el(
                "<crypto model='virtio' type='qemu'><backend model='builtin' queues='1'/></crypto>",
            ),
            &CTX,
        )
        .expect("ok");
        assert_eq!(
            c.format(&fctx()).render(0),
            "<crypto model='virtio' type='qemu'>\n  <backend model='builtin' queues='1'/>\n</crypto>\n"
        );
    }

    #[test]
    fn device_list_rules_of_libvirt_9_0() {
        use crate::domain::devices::Devices;
        let e = Devices::parse(
            &el("<devices><watchdog model='ib700'/><watchdog model='i6300esb'/></devices>"),
            &CTX,
        )
        .expect_err("two watchdogs");
        // The rejected corpus case 004-watchdog-two-devices.
        assert_eq!(
            e.message,
            "internal error: only a single watchdog device is supported"
        );
        let d = Devices::parse(
            &el("<devices><crypto model='virtio' type='qemu'><backend model='builtin'/></crypto><panic/><panic model='isa'/></devices>"),
            &CTX,
        )
        .expect("ok");
        assert!(d.cryptos.is_empty());
        assert_eq!(
            d.format(&fctx()).render(0),
            "<devices>\n  <panic model='isa'/>\n</devices>\n"
        );
    }
}
