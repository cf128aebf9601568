//! Domain management: defining, starting, stopping, saving, editing and tuning domains.

use crate::cli::defs::*;
use console::cmd_console;
use define::{cmd_create, cmd_define, cmd_undefine};
use devices::{
    cmd_attach_device, cmd_attach_disk, cmd_attach_interface, cmd_change_media, cmd_detach_device,
    cmd_detach_device_alias, cmd_detach_disk, cmd_detach_interface, cmd_update_device,
};
use ident::{cmd_domid, cmd_domname, cmd_domuuid};
use lifecycle::{
    cmd_autostart, cmd_destroy, cmd_reboot, cmd_reset, cmd_resume, cmd_shutdown, cmd_start,
    cmd_suspend,
};
use metadata::{cmd_desc, cmd_metadata};
use pin::{cmd_emulatorpin, cmd_vcpupin};
use qemu::cmd_qemu_monitor_command;
use save::{cmd_managedsave, cmd_managedsave_remove, cmd_restore, cmd_save};
use screenshot::cmd_screenshot;
use stats::{cmd_domhostname, cmd_schedinfo, cmd_vcpuinfo};
pub(crate) use stats::{cmd_dommemstat, typed_value_str};
use tuning::{cmd_setmaxmem, cmd_setmem, cmd_setvcpus, cmd_vcpucount};
use xml::{cmd_domxml_to_native, cmd_dumpxml, cmd_edit};

mod console;
mod define;
mod devices;
mod ident;
mod lifecycle;
mod metadata;
mod pin;
mod qemu;
mod save;
mod screenshot;
mod stats;
mod tuning;
mod xml;

const DOMAIN_OPT: OptDef = opt_data("domain", REQ, "domain name, id or UUID");
const FILE_OPT: OptDef = opt_data("file", REQ, "file with the domain's XML description");
const VALIDATE_OPT: OptDef = opt_bool("validate", "check the XML against the schema first");
const CONFIG_OPT: OptDef = opt_bool("config", "change the persistent configuration");
const LIVE_OPT: OptDef = opt_bool("live", "change the running domain");
const CURRENT_OPT: OptDef = opt_bool(
    "current",
    "change the running domain if active, else the configuration",
);
const MODE_OPT: OptDef = opt_string(
    "mode",
    0,
    "comma-separated methods: acpi, agent, initctl, signal, paravirt",
);

const PERSISTENT_OPT: OptDef = opt_bool(
    "persistent",
    "change the running domain and the configuration",
);
const DEV_CONFIG_OPT: OptDef = opt_bool("config", "change the persistent configuration");
const DEV_LIVE_OPT: OptDef = opt_bool("live", "change the running domain");
const DEV_CURRENT_OPT: OptDef = opt_bool(
    "current",
    "change the running domain if active, else the configuration",
);
const PRINT_XML_OPT: OptDef = opt_bool(
    "print-xml",
    "print the device XML instead of changing the domain",
);
const DEVICE_FILE_OPT: OptDef = opt_data("file", REQ, "file with the device's XML");

pub static COMMANDS: &[CmdDef] = &[
    cmd(
        "attach-device",
        &[DOMAIN_OPT, DEVICE_FILE_OPT, PERSISTENT_OPT, DEV_CONFIG_OPT, DEV_LIVE_OPT, DEV_CURRENT_OPT],
        cmd_attach_device,
        "add a device described in an XML file",
        "Attaches the device an XML file describes to the domain.",
    ),
    cmd(
        "attach-disk",
        &[
            DOMAIN_OPT,
            opt_data("source", REQ | EMPTY_OK, "the disk's source (file, device or name)"),
            opt_data("target", REQ, "the disk's target device name"),
            opt_string("targetbus", 0, "the bus of the target"),
            opt_string("driver", 0, "the driver's name"),
            opt_string("subdriver", 0, "the image format"),
            opt_string("iothread", 0, "the IOThread to use"),
            opt_string("cache", 0, "the cache mode"),
            opt_string("io", 0, "the I/O mode"),
            opt_string("type", 0, "the device kind (disk, cdrom, floppy, lun)"),
            opt_alias("shareable", "mode=shareable"),
            opt_string("mode", 0, "readonly or shareable"),
            opt_string("sourcetype", 0, "file, block or network"),
            opt_string("serial", 0, "the disk's serial number"),
            opt_string("wwn", 0, "the disk's world wide name"),
            opt_string("alias", 0, "a user alias for the disk"),
            opt_bool("rawio", "pass raw SCSI commands through"),
            opt_string("address", 0, "the disk's address (pci:, scsi:, ide:, sata:, usb:, ccw:)"),
            opt_bool("multifunction", "mark a PCI address multifunction"),
            PRINT_XML_OPT,
            opt_string("source-protocol", 0, "the protocol of a network disk"),
            opt_string("source-host-name", 0, "HOST[:PORT] of a network disk"),
            opt_string("source-host-transport", 0, "the transport to the host"),
            opt_string("source-host-socket", 0, "the host's UNIX socket"),
            PERSISTENT_OPT,
            DEV_CONFIG_OPT,
            DEV_LIVE_OPT,
            DEV_CURRENT_OPT,
        ],
        cmd_attach_disk,
        "add a disk to a domain",
        "Builds a <disk> element from the options and attaches it.",
    ),
    cmd(
        "attach-interface",
        &[
            DOMAIN_OPT,
            opt_data("type", REQ, "the interface type"),
            opt_data("source", REQ, "the network, bridge, device or socket to connect to"),
            opt_string("target", 0, "the host-side device name"),
            opt_string("mac", 0, "the MAC address"),
            opt_string("script", 0, "a script to set the interface up"),
            opt_string("model", 0, "the NIC model"),
            opt_string("alias", 0, "a user alias for the interface"),
            opt_string("inbound", 0, "inbound rate: average,peak,burst,floor"),
            opt_string("outbound", 0, "outbound rate: average,peak,burst"),
            PERSISTENT_OPT,
            DEV_CONFIG_OPT,
            DEV_LIVE_OPT,
            DEV_CURRENT_OPT,
            PRINT_XML_OPT,
            opt_bool("managed", "let libvirt manage the host device"),
            opt_string("source-mode", 0, "server or client (vhostuser)"),
        ],
        cmd_attach_interface,
        "add a network interface to a domain",
        "Builds an <interface> element from the options and attaches it.",
    ),
    cmd(
        "change-media",
        &[
            DOMAIN_OPT,
            opt_data("path", REQ, "the disk's target or source path"),
            opt_string("source", 0, "the new medium"),
            opt_bool("eject", "remove the medium"),
            opt_bool("insert", "put a medium into an empty drive"),
            opt_bool("update", "replace the medium (eject without --source)"),
            DEV_CURRENT_OPT,
            DEV_LIVE_OPT,
            DEV_CONFIG_OPT,
            opt_bool("force", "change the medium even if the guest locked the tray"),
            PRINT_XML_OPT,
            opt_bool("block", "the new medium is a block device"),
        ],
        cmd_change_media,
        "change the medium of a CD-ROM or floppy",
        "Ejects, inserts or replaces the medium of a removable disk.",
    ),
    cmd(
        "detach-device",
        &[DOMAIN_OPT, DEVICE_FILE_OPT, PERSISTENT_OPT, DEV_CONFIG_OPT, DEV_LIVE_OPT, DEV_CURRENT_OPT],
        cmd_detach_device,
        "remove a device described in an XML file",
        "Detaches the device an XML file describes from the domain.",
    ),
    cmd(
        "detach-device-alias",
        &[
            DOMAIN_OPT,
            opt_data("alias", REQ, "the device's alias"),
            DEV_CONFIG_OPT,
            DEV_LIVE_OPT,
            DEV_CURRENT_OPT,
        ],
        cmd_detach_device_alias,
        "remove a device by its alias",
        "Asks for the removal of the device with the given alias.",
    ),
    cmd(
        "detach-disk",
        &[
            DOMAIN_OPT,
            opt_data("target", REQ, "the disk's target or source path"),
            PERSISTENT_OPT,
            DEV_CONFIG_OPT,
            DEV_LIVE_OPT,
            DEV_CURRENT_OPT,
            PRINT_XML_OPT,
        ],
        cmd_detach_disk,
        "remove a disk from a domain",
        "Finds the disk in the domain's XML and detaches it.",
    ),
    cmd(
        "detach-interface",
        &[
            DOMAIN_OPT,
            opt_data("type", REQ, "the interface type"),
            opt_string("mac", 0, "the interface's MAC address"),
            PERSISTENT_OPT,
            DEV_CONFIG_OPT,
            DEV_LIVE_OPT,
            DEV_CURRENT_OPT,
            PRINT_XML_OPT,
        ],
        cmd_detach_interface,
        "remove a network interface from a domain",
        "Finds the interface by type and MAC in the domain's XML and detaches it.",
    ),
    cmd(
        "update-device",
        &[
            DOMAIN_OPT,
            DEVICE_FILE_OPT,
            PERSISTENT_OPT,
            DEV_CONFIG_OPT,
            DEV_LIVE_OPT,
            DEV_CURRENT_OPT,
            opt_bool("force", "force the change (eject a locked medium)"),
        ],
        cmd_update_device,
        "change a device described in an XML file",
        "Updates a device of the domain in place from an XML file.",
    ),
    cmd(
        "autostart",
        &[
            DOMAIN_OPT,
            opt_bool("disable", "turn autostart off instead"),
        ],
        cmd_autostart,
        "start a domain together with the host",
        "Marks a domain to be started automatically when the host starts.",
    ),
    cmd(
        "console",
        &[
            DOMAIN_OPT,
            opt_string("devname", 0, "character device name"),
            opt_bool(
                "force",
                "take the console over from a session already attached",
            ),
            opt_bool("safe", "attach only where exclusive access is guaranteed"),
        ],
        cmd_console,
        "connect to the guest console",
        "Attaches the terminal to a serial console or other character device of a running domain.",
    ),
    cmd(
        "create",
        &[
            FILE_OPT,
            opt_bool("console", "attach to the console once started"),
            opt_bool("paused", "keep the new domain paused"),
            opt_bool(
                "autodestroy",
                "destroy the domain when this connection closes",
            ),
            opt_string(
                "pass-fds",
                0,
                "file descriptors N,M,... handed to the domain",
            ),
            opt_bool("validate", "check the XML against the schema first"),
            opt_bool("reset-nvram", "start over from the NVRAM template"),
        ],
        cmd_create,
        "start a transient domain from an XML file",
        "Creates and starts a domain described by an XML file.",
    ),
    cmd(
        "define",
        &[FILE_OPT, VALIDATE_OPT],
        cmd_define,
        "define a domain from an XML file without starting it",
        "Defines (or updates) a persistent domain from an XML file.",
    ),
    cmd(
        "desc",
        &[
            DOMAIN_OPT,
            opt_bool("live", "use the running domain"),
            opt_bool("config", "use the persistent configuration"),
            opt_bool(
                "current",
                "use the running domain if active, else the configuration",
            ),
            opt_bool("title", "work on the title instead of the description"),
            opt_bool("edit", "change the text in an editor"),
            opt_argv("new-desc", 0, "the new text"),
        ],
        cmd_desc,
        "show or change a domain's description or title",
        "Prints a domain's description or title, or sets a new one.",
    ),
    cmd(
        "destroy",
        &[
            DOMAIN_OPT,
            opt_bool("graceful", "ask the process to end instead of killing it"),
            opt_bool("remove-logs", "delete the domain's log files"),
        ],
        cmd_destroy,
        "stop a domain immediately",
        "Stops a running domain at once, like pulling the power plug.",
    ),
    cmd(
        "domhostname",
        &[
            DOMAIN_OPT,
            opt_string("source", 0, "where to look: 'lease' or 'agent'"),
        ],
        cmd_domhostname,
        "print the host name a guest uses",
        "",
    ),
    cmd(
        "domid",
        &[opt_data("domain", REQ, "domain name or UUID")],
        cmd_domid,
        "print the id of a domain",
        "",
    ),
    cmd(
        "domname",
        &[opt_data("domain", REQ, "domain id or UUID")],
        cmd_domname,
        "print the name of a domain",
        "",
    ),
    cmd(
        "domuuid",
        &[opt_data("domain", REQ, "domain id or name")],
        cmd_domuuid,
        "print the UUID of a domain",
        "",
    ),
    cmd(
        "domxml-to-native",
        &[
            opt_data("format", REQ, "native format to produce"),
            opt_string("domain", REQ_OPT, "domain name, id or UUID"),
            opt_string("xml", 0, "file with the domain XML"),
        ],
        cmd_domxml_to_native,
        "translate domain XML to a native configuration",
        "Converts domain XML into the hypervisor's own configuration format.",
    ),
    cmd(
        "dumpxml",
        &[
            DOMAIN_OPT,
            opt_bool("inactive", "show the persistent configuration"),
            opt_bool("security-info", "include security-sensitive data"),
            opt_bool("update-cpu", "adjust the guest CPU to the host CPU"),
            opt_bool("migratable", "produce XML suitable for migration"),
            opt_string("xpath", REQ_OPT, "print only what this XPath selects"),
            opt_bool("wrap", "put XPath results inside one <nodes> element"),
        ],
        cmd_dumpxml,
        "print a domain's XML",
        "Prints the XML description of a domain.",
    ),
    cmd(
        "edit",
        &[
            DOMAIN_OPT,
            opt_bool("skip-validate", "do not check the XML against the schema"),
        ],
        cmd_edit,
        "change a domain's XML in an editor",
        "Opens a domain's configuration in $VISUAL or $EDITOR and defines the result.",
    ),
    cmd(
        "managedsave",
        &[
            DOMAIN_OPT,
            opt_bool("bypass-cache", "write around the file system cache"),
            opt_bool("running", "start running when next started"),
            opt_bool("paused", "start paused when next started"),
            opt_bool("verbose", "show progress"),
        ],
        cmd_managedsave,
        "save a domain's state for its next start",
        "Saves a running domain's state to a file kept by the hypervisor and stops it.",
    ),
    cmd(
        "managedsave-remove",
        &[DOMAIN_OPT],
        cmd_managedsave_remove,
        "drop a domain's managed save image",
        "Deletes the managed save image of a domain, so that its next start boots afresh.",
    ),
    cmd(
        "metadata",
        &[
            DOMAIN_OPT,
            opt_data("uri", REQ, "namespace URI of the metadata"),
            opt_bool("live", "use the running domain"),
            opt_bool("config", "use the persistent configuration"),
            opt_bool(
                "current",
                "use the running domain if active, else the configuration",
            ),
            opt_bool("edit", "change the metadata in an editor"),
            opt_string("key", 0, "namespace prefix for the metadata element"),
            opt_string("set", 0, "new metadata element (XML)"),
            opt_bool("remove", "delete the metadata of this namespace"),
        ],
        cmd_metadata,
        "show or change custom metadata of a domain",
        "Reads, sets or removes a domain's metadata element for one XML namespace.",
    ),
    cmd(
        "qemu-monitor-command",
        &[
            DOMAIN_OPT,
            opt_bool("hmp", "the command is for the human monitor"),
            opt_bool("pretty", "indent the monitor's JSON answer"),
            opt_bool("return-value", "print only the answer's 'return' member"),
            opt_string(
                "pass-fds",
                REQ_OPT,
                "file descriptors N,M,... passed with the command",
            ),
            opt_argv("cmd", REQ, "the command"),
        ],
        cmd_qemu_monitor_command,
        "send a command to a QEMU guest's monitor",
        "Passes a QMP (or, with --hmp, HMP) command to the domain's QEMU monitor and prints its answer.",
    ),
    cmd(
        "reboot",
        &[DOMAIN_OPT, MODE_OPT],
        cmd_reboot,
        "restart a domain",
        "Asks a domain to reboot.",
    ),
    cmd(
        "reset",
        &[DOMAIN_OPT],
        cmd_reset,
        "hard-reset a domain",
        "Resets a domain like pressing its reset button.",
    ),
    cmd(
        "restore",
        &[
            opt_data("file", REQ, "file with the saved state"),
            opt_bool("bypass-cache", "read around the file system cache"),
            opt_string("xml", 0, "file with replacement domain XML"),
            opt_bool("running", "resume the domain running"),
            opt_bool("paused", "resume the domain paused"),
            opt_bool("reset-nvram", "start over from the NVRAM template"),
        ],
        cmd_restore,
        "start a domain from a saved state file",
        "Restores a domain from a file written by save.",
    ),
    cmd(
        "resume",
        &[DOMAIN_OPT],
        cmd_resume,
        "continue a paused domain",
        "Lets a suspended domain run again.",
    ),
    cmd(
        "save",
        &[
            DOMAIN_OPT,
            opt_data("file", REQ, "file to write the state to"),
            opt_bool("bypass-cache", "write around the file system cache"),
            opt_string("xml", 0, "file with replacement domain XML for the restore"),
            opt_bool("running", "restore running"),
            opt_bool("paused", "restore paused"),
            opt_bool("verbose", "show progress"),
        ],
        cmd_save,
        "save a domain's state to a file",
        "Saves a running domain's state to a file and stops the domain.",
    ),
    cmd(
        "schedinfo",
        &[
            DOMAIN_OPT,
            opt_int("weight", REQ_OPT, "weight (Xen credit scheduler)"),
            opt_int("cap", REQ_OPT, "cap (Xen credit scheduler)"),
            opt_bool(
                "current",
                "the running domain if active, else the configuration",
            ),
            opt_bool("config", "the configuration for the next start"),
            opt_bool("live", "the running domain"),
            opt_argv("set", 0, "name=value"),
        ],
        cmd_schedinfo,
        "show or change scheduler parameters",
        "Prints a domain's scheduler and its parameters, or changes them.",
    ),
    cmd(
        "screenshot",
        &[
            opt_data("domain", REQ, "domain name, id or uuid"),
            opt_string("file", 0, "where to store the screenshot"),
            opt_int("screen", 0, "ID of a screen to take screenshot of"),
        ],
        cmd_screenshot,
        "take a screenshot of a current domain console and store it into a file",
        "screenshot of a current domain console",
    ),
    cmd(
        "setmaxmem",
        &[
            DOMAIN_OPT,
            opt_alias("kilobytes", "size"),
            opt_int(
                "size",
                REQ,
                "new maximum memory, a scaled integer (KiB by default)",
            ),
            CONFIG_OPT,
            LIVE_OPT,
            CURRENT_OPT,
        ],
        cmd_setmaxmem,
        "change the maximum memory of a domain",
        "Changes how much memory a domain may be given at most.",
    ),
    cmd(
        "setmem",
        &[
            DOMAIN_OPT,
            opt_alias("kilobytes", "size"),
            opt_int(
                "size",
                REQ,
                "new memory size, a scaled integer (KiB by default)",
            ),
            CONFIG_OPT,
            LIVE_OPT,
            CURRENT_OPT,
        ],
        cmd_setmem,
        "change the memory of a domain",
        "Changes the current memory allocation of a domain.",
    ),
    cmd(
        "setvcpus",
        &[
            DOMAIN_OPT,
            opt_int("count", REQ, "number of virtual CPUs"),
            opt_bool("maximum", "change the maximum for the next boot"),
            CONFIG_OPT,
            LIVE_OPT,
            CURRENT_OPT,
            opt_bool("guest", "change the CPUs inside the guest"),
            opt_bool("hotpluggable", "make added CPUs hot-(un)pluggable"),
        ],
        cmd_setvcpus,
        "change the number of virtual CPUs",
        "Changes how many virtual CPUs a domain has.",
    ),
    cmd(
        "shutdown",
        &[DOMAIN_OPT, MODE_OPT],
        cmd_shutdown,
        "ask a domain to shut down",
        "Asks a domain to shut down cleanly.",
    ),
    cmd(
        "start",
        &[
            opt_data("domain", REQ, "name or UUID of the inactive domain"),
            opt_bool("console", "attach to the console once started"),
            opt_bool("paused", "keep the domain paused"),
            opt_bool(
                "autodestroy",
                "destroy the domain when this connection closes",
            ),
            opt_bool("bypass-cache", "read around the file system cache"),
            opt_bool("force-boot", "boot afresh, dropping any managed save image"),
            opt_string(
                "pass-fds",
                0,
                "file descriptors N,M,... handed to the domain",
            ),
            opt_bool("reset-nvram", "start over from the NVRAM template"),
        ],
        cmd_start,
        "start a defined domain",
        "Starts a defined, inactive domain.",
    ),
    cmd(
        "suspend",
        &[DOMAIN_OPT],
        cmd_suspend,
        "pause a domain",
        "Pauses a running domain; it keeps its memory.",
    ),
    cmd(
        "undefine",
        &[
            DOMAIN_OPT,
            opt_bool("managed-save", "also remove the managed save image"),
            opt_string(
                "storage",
                0,
                "also delete these disks (comma-separated targets or sources)",
            ),
            opt_bool("remove-all-storage", "also delete all disks of the domain"),
            opt_alias("delete-snapshots", "delete-storage-volume-snapshots"),
            opt_bool(
                "delete-storage-volume-snapshots",
                "delete volume snapshots too (needs --remove-all-storage)",
            ),
            opt_bool("wipe-storage", "wipe the deleted volumes"),
            opt_bool("snapshots-metadata", "also remove snapshot metadata"),
            opt_bool("checkpoints-metadata", "also remove checkpoint metadata"),
            opt_bool("nvram", "also delete the NVRAM file"),
            opt_bool("keep-nvram", "keep the NVRAM file"),
            opt_bool("tpm", "also delete the TPM state"),
            opt_bool("keep-tpm", "keep the TPM state"),
        ],
        cmd_undefine,
        "remove a domain's persistent configuration",
        "Undefines an inactive domain, or makes a running one transient.",
    ),
    cmd(
        "vcpucount",
        &[
            DOMAIN_OPT,
            opt_bool("maximum", "the maximum number of CPUs"),
            opt_bool("active", "the number of CPUs in use"),
            opt_bool("live", "from the running domain"),
            opt_bool("config", "from the persistent configuration"),
            opt_bool(
                "current",
                "from the running domain if active, else the configuration",
            ),
            opt_bool("guest", "as seen by the guest"),
        ],
        cmd_vcpucount,
        "show the numbers of virtual CPUs",
        "Prints the maximum and current numbers of virtual CPUs of a domain.",
    ),
    cmd(
        "vcpupin",
        &[
            DOMAIN_OPT,
            opt_int("vcpu", 0, "virtual CPU number"),
            opt_string(
                "cpulist",
                EMPTY_OK,
                "host CPU numbers to pin to, or leave out to show the pinning",
            ),
            CONFIG_OPT,
            LIVE_OPT,
            CURRENT_OPT,
        ],
        cmd_vcpupin,
        "show or change where virtual CPUs may run",
        "Pins a virtual CPU to host CPUs, or shows the pinning of every virtual CPU.",
    ),
    cmd(
        "emulatorpin",
        &[
            DOMAIN_OPT,
            opt_string(
                "cpulist",
                EMPTY_OK,
                "host CPU numbers to pin to, or leave out to show the pinning",
            ),
            CONFIG_OPT,
            LIVE_OPT,
            CURRENT_OPT,
        ],
        cmd_emulatorpin,
        "show or change where emulator threads may run",
        "Pins the domain's emulator threads to host CPUs, or shows their pinning.",
    ),
    cmd(
        "vcpuinfo",
        &[
            DOMAIN_OPT,
            opt_bool("pretty", "print CPU ranges instead of a y/- map"),
        ],
        cmd_vcpuinfo,
        "show the state and placement of each virtual CPU",
        "Prints the host CPU, state, CPU time and affinity of each virtual CPU of a domain.",
    ),
];
