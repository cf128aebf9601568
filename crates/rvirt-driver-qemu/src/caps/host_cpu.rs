//! The host CPU as `virsh capabilities` describes it: read from the CPUID instruction
//! (and the architecture-capabilities MSR where CPUID announces it), named with libvirt's
//! CPU models ([`super::cpu_x86`]), plus the TSC frequency KVM reports, the microcode
//! version from /proc/cpuinfo and the physical address width.
//!
//! Only x86 hosts are described beyond their architecture: elsewhere libvirt needs
//! per-architecture CPU maps rvirt does not carry.
#![allow(unsafe_code)]
// Only x86_64 reads CPUID, MSRs and the TSC; elsewhere the readers are unused.
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code, unused_imports))]

use super::cpu_map::Bits;
use super::cpu_x86::{self, CpuData, CpuKind, FeatureSet};
use rvirt_xml::capabilities::{CpuCounter, HostCpuModel};

/// `KVM_CHECK_EXTENSION`, `KVM_CREATE_VM`, `KVM_CREATE_VCPU`, `KVM_GET_TSC_KHZ` and
/// `KVM_GET_MSRS` (the last on the system descriptor: the host's feature MSRs).
const KVM_CHECK_EXTENSION: libc::c_ulong = 0xAE03;
const KVM_CREATE_VM: libc::c_ulong = 0xAE01;
const KVM_CREATE_VCPU: libc::c_ulong = 0xAE41;
const KVM_GET_TSC_KHZ: libc::c_ulong = 0xAEA3;
const KVM_GET_MSRS: libc::c_ulong = 0xC008_AE88;
const KVM_CAP_TSC_CONTROL: libc::c_int = 60;
/// `IA32_ARCH_CAPABILITIES`.
const MSR_ARCH_CAPABILITIES: u32 = 0x10a;

/// One `CPUID` answer: eax, ebx, ecx, edx.
pub type CpuidRegs = [u32; 4];

/// Runs `CPUID(leaf, sub)`.
#[cfg(target_arch = "x86_64")]
pub fn cpuid(leaf: u32, sub: u32) -> CpuidRegs {
    // SAFETY: CPUID exists on every x86_64 processor and only reads identification
    // registers; newer compilers consider the intrinsic safe, hence the allow.
    #[allow(unused_unsafe)]
    let r = unsafe { core::arch::x86_64::__cpuid_count(leaf, sub) };
    [r.eax, r.ebx, r.ecx, r.edx]
}

/// The CPU's features and identity as CPUID (and KVM, for MSRs) tells them.
#[cfg(target_arch = "x86_64")]
pub fn host_data() -> CpuData {
    let basic_max = cpuid(0, 0)[0];
    let ext_max = cpuid(0x8000_0000, 0)[0];
    let in_range = |leaf: u32| {
        if leaf >= 0x8000_0000 {
            leaf <= ext_max
        } else {
            leaf <= basic_max
        }
    };
    let mut features = FeatureSet::default();
    let mut msr_bits = Vec::new();
    for i in 0..super::cpu_map::FEATURES.len() {
        match cpu_x86::feature_bits(i) {
            Some(Bits::Cpuid(leaf, sub, reg, mask)) => {
                // libvirt reads the basic and extended ranges only, not the
                // hypervisor's 0x4000_0000 leaves.
                let hv_leaf = (0x4000_0000..0x8000_0000).contains(&leaf);
                if !hv_leaf && in_range(leaf) {
                    let r = cpuid(leaf, sub);
                    if r.get(usize::from(reg)).is_some_and(|v| v & mask == mask) {
                        features.insert(i);
                    }
                }
            }
            Some(Bits::Msr(index, eax, edx)) => msr_bits.push((i, index, eax, edx)),
            None => {}
        }
    }
    let arch_caps = cpu_x86::feature_index("arch-capabilities");
    if arch_caps.is_some_and(|i| features.contains(i)) {
        if let Some(v) = read_msr(MSR_ARCH_CAPABILITIES) {
            let (lo, hi) = (v as u32, (v >> 32) as u32);
            for (i, index, eax, edx) in msr_bits {
                if index == MSR_ARCH_CAPABILITIES && lo & eax == eax && hi & edx == edx {
                    features.insert(i);
                }
            }
        }
    }
    let v = cpuid(0, 0);
    let vendor_bytes: Vec<u8> = [v[1], v[3], v[2]]
        .iter()
        .flat_map(|r| r.to_le_bytes())
        .collect();
    let vendor = cpu_x86::vendor_name(&String::from_utf8_lossy(&vendor_bytes));
    CpuData {
        features,
        vendor,
        signature: Some(signature(cpuid(1, 0)[0])),
    }
}

/// `(family, model, stepping)` from CPUID(1).eax, summed as libvirt sums them.
pub fn signature(eax: u32) -> (u32, u32, u32) {
    let family = ((eax >> 20) & 0xff) + ((eax >> 8) & 0xf);
    let model = ((eax >> 12) & 0xf0) + ((eax >> 4) & 0xf);
    (family, model, eax & 0xf)
}

fn kvm_fd() -> Option<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .ok()
}

/// A feature MSR: from KVM (which knows what it would show a guest of the host's CPU),
/// else from the msr driver.
fn read_msr(index: u32) -> Option<u64> {
    use std::os::fd::AsRawFd;
    #[repr(C)]
    struct Msrs {
        nmsrs: u32,
        pad: u32,
        index: u32,
        reserved: u32,
        data: u64,
    }
    if let Some(kvm) = kvm_fd() {
        let mut m = Msrs {
            nmsrs: 1,
            pad: 0,
            index,
            reserved: 0,
            data: 0,
        };
        // SAFETY: KVM_GET_MSRS reads `nmsrs` entries following the header; `m` holds
        // exactly one and lives across the call.
        let n = unsafe { libc::ioctl(kvm.as_raw_fd(), KVM_GET_MSRS as _, &mut m as *mut Msrs) };
        if n == 1 {
            return Some(m.data);
        }
    }
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::open("/dev/cpu/0/msr").ok()?;
    let mut buf = [0u8; 8];
    f.read_exact_at(&mut buf, u64::from(index)).ok()?;
    Some(u64::from_le_bytes(buf))
}

/// The TSC frequency KVM gives a vCPU and whether it can scale it, as libvirt asks (a
/// throwaway VM with one vCPU).
fn tsc_info() -> Option<CpuCounter> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    let kvm = kvm_fd()?;
    // SAFETY: the KVM ioctls below take integer arguments and return descriptors or
    // integers; every descriptor returned is owned (and closed) right away.
    let vm = unsafe { libc::ioctl(kvm.as_raw_fd(), KVM_CREATE_VM as _, 0) };
    if vm < 0 {
        return None;
    }
    // SAFETY: `vm` was just returned by the kernel and is owned by nobody else.
    let vm = unsafe { OwnedFd::from_raw_fd(vm) };
    // SAFETY: as above.
    let vcpu = unsafe { libc::ioctl(vm.as_raw_fd(), KVM_CREATE_VCPU as _, 0) };
    if vcpu < 0 {
        return None;
    }
    // SAFETY: as above.
    let vcpu = unsafe { OwnedFd::from_raw_fd(vcpu) };
    // SAFETY: KVM_GET_TSC_KHZ takes no argument.
    let khz = unsafe { libc::ioctl(vcpu.as_raw_fd(), KVM_GET_TSC_KHZ as _, 0) };
    if khz <= 0 {
        return None;
    }
    // SAFETY: KVM_CHECK_EXTENSION takes an integer.
    let scaling = unsafe {
        libc::ioctl(
            vm.as_raw_fd(),
            KVM_CHECK_EXTENSION as _,
            KVM_CAP_TSC_CONTROL,
        )
    };
    Some(CpuCounter {
        name: "tsc".to_string(),
        frequency: khz as u64 * 1000,
        scaling: Some(scaling > 0),
    })
}

/// The "microcode" line of /proc/cpuinfo (hex), libvirt's microcode version.
fn microcode() -> Option<u32> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("microcode"))?;
    let v = line.split(':').nth(1)?.trim();
    u32::from_str_radix(v.trim_start_matches("0x"), 16).ok()
}

/// The host CPU's model part of `<host><cpu>` (topology is filled in by the caller).
#[cfg(target_arch = "x86_64")]
pub fn host_cpu_model() -> HostCpuModel {
    let data = host_data();
    let named = cpu_x86::decode(&data, CpuKind::Host, None);
    let invtsc = cpu_x86::feature_index("invtsc").is_some_and(|i| data.features.contains(i));
    let phys_bits = (cpuid(0x8000_0000, 0)[0] >= 0x8000_0008)
        .then(|| cpuid(0x8000_0008, 0)[0] & 0xff)
        .filter(|b| *b > 0);
    HostCpuModel {
        model: named.as_ref().map(|n| n.model.to_string()),
        vendor: data.vendor.map(str::to_string),
        microcode: microcode(),
        signature: data.signature,
        counter: if invtsc { tsc_info() } else { None },
        topology: None,
        maxphysaddr: phys_bits.map(|b| ("emulate".to_string(), Some(b))),
        features: named
            .map(|n| n.features.iter().map(|(f, _)| f.to_string()).collect())
            .unwrap_or_default(),
    }
}

/// Elsewhere: nothing but what the caller adds.
#[cfg(not(target_arch = "x86_64"))]
pub fn host_cpu_model() -> HostCpuModel {
    HostCpuModel {
        microcode: microcode(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_sum_as_libvirts() {
        assert_eq!(signature(0x00a1_0f11), (25, 17, 1));
        assert_eq!(signature(0x0005_0654), (6, 85, 4));
    }
}
