import Dispatch
import Testing
@testable import SidecarSQLite

@Suite("Concurrent use")
struct ConcurrencyTests {
    @Test("8 tasks × 200 inserts through one connection's queue: 1600 rows")
    func manyTasksOneConnection() async throws {
        try await withTempDirectory { dir in
            let connection = try openTestDatabase(in: dir)
            try connection.sync { try $0.execute("CREATE TABLE t (task INTEGER NOT NULL, i INTEGER NOT NULL)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<8 {
                    group.addTask {
                        for i in 0..<200 {
                            try connection.sync { db in
                                try db.execute("INSERT INTO t (task, i) VALUES (?, ?)", [.int(task), .int(i)])
                                // Read own write on the same serial queue: no interleaving between them.
                                #expect(db.lastInsertRowID == Int64(db.totalChanges))
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let (count, distinct) = try connection.sync { db in
                try db.queryOne("SELECT count(*), count(DISTINCT task * 1000 + i) FROM t") { ($0.int(0), $0.int(1)) }!
            }
            #expect(count == 1600)
            #expect(distinct == 1600)
        }
    }

    @Test("plain threads and the async perform variant share the queue safely")
    func threadsAndPerform() async throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.sync { try $0.execute("CREATE TABLE t (x INTEGER)") }
        DispatchQueue.concurrentPerform(iterations: 8) { n in
            for i in 0..<100 {
                try? connection.sync { try $0.execute("INSERT INTO t VALUES (?)", [.int(n * 100 + i)]) }
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<4 {
                group.addTask {
                    for i in 0..<50 {
                        try await connection.perform { try $0.execute("INSERT INTO t VALUES (?)", [.int(10_000 + n * 50 + i)]) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let count = try await connection.perform { try $0.queryOne("SELECT count(*) FROM t") { $0.int(0) } }
        #expect(count == 1000)
    }

    @Test("two connections to one file write concurrently; IMMEDIATE transactions wait on the busy timeout")
    func twoConnections() async throws {
        try await withTempDirectory { dir in
            let a = try openTestDatabase(in: dir)
            let b = try openTestDatabase(in: dir)
            try a.sync { try $0.execute("CREATE TABLE t (x INTEGER)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (n, connection) in [a, b, a, b].enumerated() {
                    group.addTask {
                        for i in 0..<50 {
                            try connection.sync { db in
                                try db.transaction {
                                    let next = try db.queryOne("SELECT count(*) FROM t") { $0.int(0) } ?? 0
                                    try db.execute("INSERT INTO t VALUES (?)", [.int(next)])
                                }
                            }
                            _ = (n, i)
                        }
                    }
                }
                try await group.waitForAll()
            }
            // Read-then-write inside IMMEDIATE transactions never loses an update.
            let values = try b.sync { try $0.query("SELECT x FROM t ORDER BY x") { $0.int(0) } }
            #expect(values == Array(0..<200))
        }
    }
}
