#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A Redis client with one connection, driven by its own thread: a non-blocking socket and
/// poll(2), so no caller's queue, task or event loop ever blocks on Redis. Commands from any
/// thread are pipelined onto the connection and their replies matched in order.
///
/// Every failure is a value (`RedisError`). A command unanswered after `commandTimeout` fails
/// with `.timeout` and the connection is closed (a late reply would otherwise answer the
/// wrong command); the client then reconnects with backoff, and until a reconnect has
/// succeeded commands fail at once with `.notConnected` instead of queueing. Only commands
/// sent during the very first connect wait for it (within their timeout).
///
/// Completions run on the client's thread (or, for a command refused at once, on the
/// caller's) and must not block.
public final class RedisClient: Sendable {
    public typealias Completion = @Sendable (Result<RESPValue, RedisError>) -> Void
    public typealias BatchCompletion = @Sendable ([Result<RESPValue, RedisError>]) -> Void

    let core: RedisClientCore
    private let thread: pthread_t

    /// Starts connecting at once.
    public init(configuration: RedisConfiguration) {
        let core = RedisClientCore(configuration: configuration)
        self.core = core
        let loop = RedisLoop(core: core)
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { raw in
            Unmanaged<RedisLoop>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, Unmanaged.passRetained(loop).toOpaque())
        precondition(started == 0, "cannot start the Redis client thread (errno \(started))")
        self.thread = thread
    }

    deinit { shutdown() }

    public var configuration: RedisConfiguration { core.configuration }

    public var status: RedisClientStatus { core.shared.withLock { $0.status } }

    /// Sends one command; `timeout` overrides the configured command timeout.
    public func send(_ command: RedisCommand, timeout: Duration? = nil, completion: @escaping Completion) {
        submit([command], timeout: timeout) { completion($0[0]) }
    }

    /// Sends commands in one write; the results are in the same order. A server error in
    /// one command leaves the others unaffected.
    public func pipeline(_ commands: [RedisCommand], timeout: Duration? = nil, completion: @escaping BatchCompletion) {
        guard !commands.isEmpty else { return completion([]) }
        submit(commands, timeout: timeout, completion: completion)
    }

    public func send(_ command: RedisCommand, timeout: Duration? = nil) async -> Result<RESPValue, RedisError> {
        await withCheckedContinuation { continuation in
            send(command, timeout: timeout) { continuation.resume(returning: $0) }
        }
    }

    public func pipeline(_ commands: [RedisCommand], timeout: Duration? = nil) async -> [Result<RESPValue, RedisError>] {
        await withCheckedContinuation { continuation in
            pipeline(commands, timeout: timeout) { continuation.resume(returning: $0) }
        }
    }

    /// Stops the thread and closes the connection; commands not yet answered fail with
    /// `.closed`. Safe to call more than once and from a completion.
    public func shutdown() {
        let first = core.shared.withLock { shared in
            defer { shared.stopping = true }
            return !shared.stopping
        }
        guard first else { return }
        core.wake()
        if pthread_equal(pthread_self(), thread) != 0 {
            pthread_detach(thread)
        } else {
            pthread_join(thread, nil)
        }
    }

    private func submit(_ commands: [RedisCommand], timeout: Duration?, completion: @escaping BatchCompletion) {
        var bytes: [UInt8] = []
        for command in commands { command.encode(into: &bytes) }
        let limit = timeout ?? core.configuration.commandTimeout
        let submission = Submission(
            bytes: bytes, replies: commands.count,
            deadline: monotonicNanoseconds() + UInt64(max(0, nanoseconds(limit))),
            what: commands.count == 1 ? commands[0].name : "pipeline of \(commands.count) commands",
            timeoutMilliseconds: milliseconds(limit), completion: completion)
        let outcome: Result<Bool, RedisError> = core.shared.withLock { shared in
            if shared.stopping { return .failure(.closed) }
            if let refusal = shared.refusal { return .failure(refusal) }
            shared.inbox.append(submission)
            return .success(shared.inbox.count == 1)
        }
        switch outcome {
        case .success(let wasEmpty): if wasEmpty { core.wake() }
        case .failure(let error): completion(Array(repeating: .failure(error), count: commands.count))
        }
    }
}

/// What callers and the client thread share.
final class RedisClientCore: Sendable {
    struct Shared {
        var inbox: [Submission] = []
        /// Set while the client waits to reconnect: commands fail with it at once.
        var refusal: RedisError?
        var stopping = false
        var status = RedisClientStatus()
    }

    let configuration: RedisConfiguration
    let shared = Mutex(Shared())
    /// A pipe that wakes the thread's poll when commands arrive or shutdown is asked.
    let wakeRead: Int32
    let wakeWrite: Int32

    init(configuration: RedisConfiguration) {
        self.configuration = configuration
        var fds: [Int32] = [0, 0]
        let made = pipe(&fds)
        precondition(made == 0, "cannot create the Redis client's wake pipe (errno \(errno))")
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    func wake() {
        var byte: UInt8 = 1
        // A full pipe already guarantees a wakeup, so EAGAIN is fine to ignore.
        _ = write(wakeWrite, &byte, 1)
    }

    /// Applies a change to the status and tells the observer when it changed.
    func updateStatus(_ change: (inout RedisClientStatus) -> Void) {
        let (old, new) = shared.withLock { shared in
            let old = shared.status
            change(&shared.status)
            return (old, shared.status)
        }
        if old != new { configuration.onStatusChange?(new) }
    }
}

/// Commands handed to the client thread, with what is needed to answer them.
struct Submission: Sendable {
    let bytes: [UInt8]
    let replies: Int
    let deadline: UInt64
    /// Command name(s) for a timeout message; never the arguments.
    let what: String
    let timeoutMilliseconds: Int64
    let completion: RedisClient.BatchCompletion

    var timeoutError: RedisError { .timeout("\(what) unanswered after \(timeoutMilliseconds) ms") }
}
