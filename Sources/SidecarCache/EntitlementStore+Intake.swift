import Foundation
import SidecarModel
import SidecarSQLite
import Synchronization

// Usage and event intake with group commit: the requests that arrive while one transaction
// commits go into the next one, and each is answered once its transaction is durable. One
// request's failure (a full outbox) undoes only that request, through a savepoint. A group
// is paced (Pacer.swift) between records and states, so a large one does not hold the core
// the event loops share.

/// One intake request and the caller waiting for it.
enum IntakeJob: Sendable {
    case usage([UsageInput], IntakeMode, Date, limit: Int, makeId: @Sendable () -> String,
               done: @Sendable (Result<[UsageAck], StoreError>) -> Void)
    case events([EventInput], IntakeMode, Date, limit: Int, makeId: @Sendable () -> String,
                done: @Sendable (Result<[String], StoreError>) -> Void)
}

/// What a group has done so far: later requests in the group see the earlier ones' effects
/// before anything reaches memory, which happens only after the commit.
struct IntakeGroup {
    var replacements: [StateKey: CachedState] = [:]
    var added = 0
}

/// Requests waiting for the next group, and whether a drain is already queued.
struct IntakeBacklog {
    var jobs: [IntakeJob] = []
    var drainQueued = false
    /// Transactions committed so far, however many requests each held (for tests and the
    /// benchmark's "how much did grouping save").
    var groupsCommitted = 0
}

public let newRecordId: @Sendable () -> String = { RecordID.random() }

extension EntitlementStore {
    /// Commits `inputs` and applies each to its cached state; `done` runs on the store's queue
    /// once the records are durable. A repeated idempotency key (earlier, or earlier in the
    /// same request) is acknowledged with the first record's id and changes nothing. Fails
    /// with `.outboxFull` before storing anything when the queue would pass `limit`.
    public func acceptUsage(
        _ inputs: [UsageInput], mode: IntakeMode, now: Date, limit: Int, makeId: @escaping @Sendable () -> String = newRecordId,
        done: @escaping @Sendable (Result<[UsageAck], StoreError>) -> Void
    ) {
        enqueue(.usage(inputs, mode, now, limit: limit, makeId: makeId, done: done))
    }

    /// Commits `events`. Events change no cached state: Stigg aggregates them into usage
    /// asynchronously. Gives one record id per event (the first one's for a repeated key).
    public func acceptEvents(
        _ events: [EventInput], mode: IntakeMode, now: Date, limit: Int, makeId: @escaping @Sendable () -> String = newRecordId,
        done: @escaping @Sendable (Result<[String], StoreError>) -> Void
    ) {
        enqueue(.events(events, mode, now, limit: limit, makeId: makeId, done: done))
    }

    /// `acceptUsage`, waiting for the commit: for callers off the event loop (tests, tools).
    public func acceptUsage(
        _ inputs: [UsageInput], mode: IntakeMode, now: Date, limit: Int, makeId: @escaping @Sendable () -> String = newRecordId
    ) throws(StoreError) -> [UsageAck] {
        try waiting { acceptUsage(inputs, mode: mode, now: now, limit: limit, makeId: makeId, done: $0) }
    }

    /// `acceptEvents`, waiting for the commit.
    public func acceptEvents(
        _ events: [EventInput], mode: IntakeMode, now: Date, limit: Int, makeId: @escaping @Sendable () -> String = newRecordId
    ) throws(StoreError) -> [String] {
        try waiting { acceptEvents(events, mode: mode, now: now, limit: limit, makeId: makeId, done: $0) }
    }

    private func waiting<T: Sendable>(
        _ start: (@escaping @Sendable (Result<T, StoreError>) -> Void) -> Void
    ) throws(StoreError) -> T {
        let result = Mutex<Result<T, StoreError>?>(nil)
        let finished = DispatchSemaphore(value: 0)
        start { outcome in
            result.withLock { $0 = outcome }
            finished.signal()
        }
        finished.wait()
        return try result.withLock { $0! }.get()
    }

    private func enqueue(_ job: IntakeJob) {
        let queueDrain = intake.withLock { backlog -> Bool in
            backlog.jobs.append(job)
            defer { backlog.drainQueued = true }
            return !backlog.drainQueued
        }
        if queueDrain { connection.async { db in self.drainIntake(db) } }
    }

    /// Takes every waiting request into one transaction. Runs on the connection's queue, so
    /// requests arriving meanwhile queue up for the next drain.
    private func drainIntake(_ db: Database) {
        let jobs = intake.withLock { backlog -> [IntakeJob] in
            defer {
                backlog.jobs = []
                backlog.drainQueued = false
            }
            return backlog.jobs
        }
        var group = IntakeGroup()
        var finish: [() -> Void] = []
        do {
            try db.transaction {
                var pacer = Pacer(pacing)
                for job in jobs { finish.append(apply(job, db: db, group: &group, pacer: &pacer)) }
                if group.replacements.isEmpty { try advanceUsageMarkIfClean(db) }
            }
        } catch {
            let failure = StoreError(error)
            for job in jobs {
                switch job {
                case .usage(_, _, _, _, _, let done): done(.failure(failure))
                case .events(_, _, _, _, _, let done): done(.failure(failure))
                }
            }
            return
        }
        intake.withLock { $0.groupsCommitted += 1 }
        // Memory only after the commit, and still on the queue, so no refresh of the same
        // state can slip in between.
        index.withLock { index in group.replacements.values.forEach { index.insert($0) } }
        // Their rows follow at the next flush; the committed records replay them until then.
        markUsageDirty(group.replacements.keys)
        if group.added > 0 { _ = try? tally(db) { $0.pending += group.added } }
        for answer in finish { answer() }
    }

    /// Applies one request inside the group's transaction (in a savepoint of its own) and
    /// returns how to answer it once the group is committed.
    private func apply(_ job: IntakeJob, db: Database, group: inout IntakeGroup, pacer: inout Pacer) -> () -> Void {
        var attempt = group
        switch job {
        case .usage(let inputs, let mode, let now, let limit, let makeId, let done):
            do {
                let acks = try db.transaction {
                    try checkRoom(for: inputs.count, mode: mode, limit: limit, group: attempt, db: db)
                    return try insertUsage(inputs, mode: mode, now: now, makeId: makeId, db: db, group: &attempt, pacer: &pacer)
                }
                group = attempt
                return { done(.success(acks)) }
            } catch {
                return { done(.failure(StoreError(error))) }
            }
        case .events(let events, let mode, let now, let limit, let makeId, let done):
            do {
                let ids = try db.transaction {
                    try checkRoom(for: events.count, mode: mode, limit: limit, group: attempt, db: db)
                    return try insertEvents(events, mode: mode, now: now, makeId: makeId, db: db, group: &attempt, pacer: &pacer)
                }
                group = attempt
                return { done(.success(ids)) }
            } catch {
                return { done(.failure(StoreError(error))) }
            }
        }
    }

    private func checkRoom(for count: Int, mode: IntakeMode, limit: Int, group: IntakeGroup, db: Database) throws {
        guard mode == .forward else { return }
        let pending = try tally(db) { _ in }.pending + group.added
        if pending + count > limit { throw OutboxError.full(limit: limit, pending: pending) }
    }

    private func insertUsage(
        _ inputs: [UsageInput], mode: IntakeMode, now: Date, makeId: () -> String, db: Database, group: inout IntakeGroup,
        pacer: inout Pacer
    ) throws -> [UsageAck] {
        let acceptedAt = Timestamp.formatRFC3339(now)
        var acks: [UsageAck] = []
        // Dead letters are never deleted, so while the kept count is 0 no key can be among
        // them and the lookup per record (a statement step each) is skipped.
        let anyDeadLetters = try tally(db) { _ in }.deadLetters > 0
        for input in inputs {
            pacer.pace()
            let key = input.stateKey
            let current: CachedState? = group.replacements[key] ?? {
                if case .state(let cached) = lookup(key) { return cached }
                return nil
            }()
            func repeated(_ earlier: (recordId: String, createdAt: String)) -> UsageAck {
                let entitlement = current?.state.meteredFeature(input.featureId)
                return UsageAck(
                    recordId: earlier.recordId, createdAt: earlier.createdAt,
                    currentUsage: entitlement?.currentUsage, usagePeriodStart: entitlement?.usagePeriodStart?.text,
                    usagePeriodEnd: entitlement?.usagePeriodEnd?.text, repeated: true)
            }
            if anyDeadLetters, let earlier = try Self.deadLettered(.usage, key: input.idempotencyKey, db: db) {
                acks.append(repeated(earlier))
                continue
            }
            let recordId = makeId()
            let idempotencyKey = input.idempotencyKey ?? "sidecar-\(recordId)"
            let createdAt = input.createdAt ?? acceptedAt
            // A key seen before is found by the insert itself (the table's unique key), not by
            // a lookup ahead of every insert: repeats are rare, and the lookup cost each record
            // a B-tree search of the whole outbox.
            try db.execute(
                """
                INSERT INTO outbox (kind, record_id, idempotency_key, customer_id, resource_id, feature_id,
                                    value, is_set, body, created_at, accepted_at, status)
                VALUES ('usage', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (kind, idempotency_key) DO NOTHING
                """,
                [.text(recordId), .text(idempotencyKey), .text(input.customerId), .text(input.resourceId ?? ""),
                 .text(input.featureId), .real(input.value), .integer(input.updateBehavior == .set ? 1 : 0),
                 .blob(input.forwardedBody(idempotencyKey: idempotencyKey, createdAt: createdAt)),
                 .text(createdAt), .real(now.timeIntervalSince1970), .text(Self.status(for: mode))])
            if db.changes == 0, let earlier = try Self.existing(.usage, key: idempotencyKey, db: db) {
                acks.append(repeated(earlier))
                continue
            }
            if mode == .forward { group.added += 1 }
            var entitlement: FeatureEntitlement?
            if let current {
                var state = current.state
                entitlement = state.applyUsage(featureId: input.featureId, value: input.value, behavior: input.updateBehavior)
                if entitlement != nil { group.replacements[key] = current.replacing(state: state) }
            }
            acks.append(UsageAck(
                recordId: recordId, createdAt: createdAt, currentUsage: entitlement?.currentUsage,
                usagePeriodStart: entitlement?.usagePeriodStart?.text, usagePeriodEnd: entitlement?.usagePeriodEnd?.text,
                repeated: false))
        }
        return acks
    }

    private func insertEvents(
        _ events: [EventInput], mode: IntakeMode, now: Date, makeId: () -> String, db: Database, group: inout IntakeGroup,
        pacer: inout Pacer
    ) throws -> [String] {
        let acceptedAt = Timestamp.formatRFC3339(now)
        var ids: [String] = []
        for event in events {
            pacer.pace()
            if let earlier = try Self.existing(.event, key: event.idempotencyKey, db: db) {
                ids.append(earlier.recordId)
                continue
            }
            let recordId = makeId()
            let timestamp = event.timestamp ?? acceptedAt
            try db.execute(
                """
                INSERT INTO outbox (kind, record_id, idempotency_key, customer_id, resource_id, body,
                                    created_at, accepted_at, status)
                VALUES ('event', ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.text(recordId), .text(event.idempotencyKey), .text(event.customerId), .text(event.resourceId ?? ""),
                 .blob(event.forwardedBody(timestamp: timestamp)), .text(timestamp),
                 .real(now.timeIntervalSince1970), .text(Self.status(for: mode))])
            if mode == .forward { group.added += 1 }
            ids.append(recordId)
        }
        return ids
    }
}
