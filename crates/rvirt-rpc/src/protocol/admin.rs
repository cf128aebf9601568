//! The ADMIN program (`0x06900690`, the `libvirt-admin` API that `virt-admin` speaks on
//! the daemon's admin socket): the daemon's servers, their worker pools, client limits and
//! connected clients, and the daemon's logging and idle timeout. Field order is that of
//! libvirt's `admin_protocol.x`.

#![allow(missing_docs)]

use super::types::TypedParam;
use crate::xdr_struct;

xdr_struct! {
    /// `admin_nonnull_server`: servers are named, not numbered.
    pub struct AdminServer {
        pub name: String,
    }
}

xdr_struct! {
    /// `admin_nonnull_client`: a client of one server, by the id that server gave it.
    pub struct AdminClient {
        pub srv: AdminServer,
        pub id: u64,
        /// Seconds since the epoch at which the client connected.
        pub timestamp: i64,
        /// `VIR_CLIENT_TRANS_UNIX` (0), `TCP` (1) or `TLS` (2).
        pub transport: u32,
    }
}

xdr_struct! {
    pub struct AdminConnectOpenArgs {
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct AdminConnectGetLibVersionRet {
        pub lib_ver: u64,
    }
}

xdr_struct! {
    pub struct AdminConnectListServersArgs {
        pub need_results: u32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct AdminConnectListServersRet {
        pub servers: Vec<AdminServer>,
        pub ret: u32,
    }
}

xdr_struct! {
    pub struct AdminConnectLookupServerArgs {
        pub name: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct AdminConnectLookupServerRet {
        pub srv: AdminServer,
    }
}

xdr_struct! {
    /// The arguments of every call that names a server and nothing else.
    pub struct AdminServerArgs {
        pub srv: AdminServer,
        pub flags: u32,
    }
}

xdr_struct! {
    /// The reply of every call that returns a list of typed parameters.
    pub struct AdminParamsRet {
        pub params: Vec<TypedParam>,
    }
}

xdr_struct! {
    /// The arguments of every call that sets typed parameters on a server.
    pub struct AdminServerSetParamsArgs {
        pub srv: AdminServer,
        pub params: Vec<TypedParam>,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct AdminServerListClientsArgs {
        pub srv: AdminServer,
        pub need_results: u32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct AdminServerListClientsRet {
        pub clients: Vec<AdminClient>,
        pub ret: u32,
    }
}

xdr_struct! {
    pub struct AdminServerLookupClientArgs {
        pub srv: AdminServer,
        pub id: u64,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct AdminServerLookupClientRet {
        pub clnt: AdminClient,
    }
}

xdr_struct! {
    /// The arguments of every call about one client.
    pub struct AdminClientArgs {
        pub clnt: AdminClient,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct AdminFlagsArgs {
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct AdminConnectGetLoggingOutputsRet {
        pub outputs: String,
        pub noutputs: u32,
    }
}

xdr_struct! {
    pub struct AdminConnectGetLoggingFiltersRet {
        pub filters: Option<String>,
        pub nfilters: u32,
    }
}

xdr_struct! {
    /// For both logging setters: `None` (or empty) restores the daemon's default.
    pub struct AdminConnectSetLoggingArgs {
        pub text: Option<String>,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct AdminConnectSetDaemonTimeoutArgs {
        pub timeout: u32,
        pub flags: u32,
    }
}

super::procedures! {
    crate::packet::program::ADMIN;
    ConnectOpen = 1, AdminConnectOpenArgs => (), low;
    ConnectClose = 2, () => (), low;
    ConnectGetLibVersion = 3, () => AdminConnectGetLibVersionRet, low;
    ConnectListServers = 4, AdminConnectListServersArgs => AdminConnectListServersRet, low;
    ConnectLookupServer = 5, AdminConnectLookupServerArgs => AdminConnectLookupServerRet, low;
    ServerGetThreadpoolParameters = 6, AdminServerArgs => AdminParamsRet, low;
    ServerSetThreadpoolParameters = 7, AdminServerSetParamsArgs => (), low;
    ServerListClients = 8, AdminServerListClientsArgs => AdminServerListClientsRet, low;
    ServerLookupClient = 9, AdminServerLookupClientArgs => AdminServerLookupClientRet, low;
    ClientGetInfo = 10, AdminClientArgs => AdminParamsRet, low;
    ClientClose = 11, AdminClientArgs => (), low;
    ServerGetClientLimits = 12, AdminServerArgs => AdminParamsRet, low;
    ServerSetClientLimits = 13, AdminServerSetParamsArgs => (), low;
    ConnectGetLoggingOutputs = 14, AdminFlagsArgs => AdminConnectGetLoggingOutputsRet, low;
    ConnectGetLoggingFilters = 15, AdminFlagsArgs => AdminConnectGetLoggingFiltersRet, low;
    ConnectSetLoggingOutputs = 16, AdminConnectSetLoggingArgs => (), low;
    ConnectSetLoggingFilters = 17, AdminConnectSetLoggingArgs => (), low;
    ServerUpdateTlsFiles = 18, AdminServerArgs => (), low;
    ConnectSetDaemonTimeout = 19, AdminConnectSetDaemonTimeoutArgs => (), low;
}

/// `VIR_CLIENT_TRANS_*`: how a client reached a server.
pub mod transport {
    pub const UNIX: u32 = 0;
    pub const TCP: u32 = 1;
    pub const TLS: u32 = 2;
}
