import SidecarSQLite

extension EntitlementStore {
    /// The last change-stream entry this sidecar applied for `namespace`; nil before the first.
    /// Blocks on the connection's queue: never call it on an event loop.
    public func fleetPosition(namespace: String) throws -> String? {
        try connection.sync { db in
            try db.queryOne("SELECT stream_id FROM fleet_positions WHERE namespace = ?", [.text(namespace)]) { $0.string(0) }
        }
    }

    public func setFleetPosition(_ streamId: String, namespace: String) throws {
        try connection.sync { db in
            try db.execute(
                "INSERT INTO fleet_positions (namespace, stream_id) VALUES (?, ?) ON CONFLICT (namespace) DO UPDATE SET stream_id = excluded.stream_id",
                [.text(namespace), .text(streamId)])
        }
    }
}
