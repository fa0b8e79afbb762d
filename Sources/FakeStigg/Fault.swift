import SidecarHTTP

/// Something the fake does instead of (or on top of) answering normally.
public enum Fault: Sendable, Equatable {
    /// An error status with an error body; `Retry-After: <seconds>` when given.
    case status(Int, retryAfter: Int? = nil)
    /// No answer at all until the fault is cleared (then 500) or the fake stops.
    case hang
    /// The connection closes before any byte of the response.
    case dropConnection
    /// 200 with a JSON content type and a body that is not JSON.
    case malformedJSON
    /// 200 with an HTML page, as a captive portal or a misrouted proxy would send.
    case htmlOK
    /// The head and the first half of the real body arrive, then the connection closes.
    case truncatedBody
    /// 200 with valid JSON in the entitlements shape, at least `bytes` long.
    case hugeBody(bytes: Int)
    /// 200 with the real body, numbers and booleans turned into strings and `id`s into numbers.
    case wrongTypes
    /// The normal answer (or the other fault's), sent `milliseconds` later. Composes with one
    /// other fault: a slow 500 is a latency rule plus a status rule.
    case latency(milliseconds: Int)

    /// Whether the fault needs the real answer to build its own (and so lets the request take
    /// effect, like a proxy that mangles a response on its way back).
    var transformsRealAnswer: Bool {
        switch self {
        case .truncatedBody, .wrongTypes: true
        default: false
        }
    }
}

/// An armed fault.
public struct FaultRule: Sendable, Equatable {
    public let id: Int
    public var fault: Fault
    /// Matches request paths starting with this (the raw, still percent-encoded path); nil
    /// matches every `/api/...` request. Control paths (`/_fake/...`) are never faulted.
    public var pathPrefix: String?
    /// How many more requests it applies to; nil means until cleared.
    public var remaining: Int?
    /// Handle the request normally first (usage is applied, records are kept), then answer
    /// with the fault: "upstream did it but the answer was lost".
    public var processFirst: Bool
}

/// What a request gets: at most one answer-changing rule and at most one latency rule.
struct FaultPlan: Sendable {
    var rule: FaultRule?
    var latencyMilliseconds = 0
    /// The hang generation when planned; a hang registered after a clear is released at once.
    var hangGeneration = 0
}

/// The armed rules and the requests currently hung. Lives inside the fake's Mutex.
struct FaultBook {
    private(set) var rules: [FaultRule] = []
    private var nextId = 1
    private(set) var hangGeneration = 0
    private var hung: [@Sendable (HTTPResponse) -> Void] = []

    mutating func add(_ fault: Fault, pathPrefix: String?, count: Int?, processFirst: Bool) -> FaultRule {
        let rule = FaultRule(id: nextId, fault: fault, pathPrefix: pathPrefix, remaining: count, processFirst: processFirst)
        nextId += 1
        rules.append(rule)
        return rule
    }

    /// The newest matching rule of each kind applies, and uses up one of its count.
    mutating func plan(for path: String) -> FaultPlan {
        var plan = FaultPlan(hangGeneration: hangGeneration)
        for index in rules.indices.reversed() where rules[index].pathPrefix.map({ path.hasPrefix($0) }) ?? true {
            if case .latency(let milliseconds) = rules[index].fault {
                guard plan.latencyMilliseconds == 0 else { continue }
                plan.latencyMilliseconds = max(0, milliseconds)
            } else {
                guard plan.rule == nil else { continue }
                plan.rule = rules[index]
            }
            if let remaining = rules[index].remaining { rules[index].remaining = remaining - 1 }
        }
        rules.removeAll { ($0.remaining ?? 1) <= 0 }
        return plan
    }

    /// Keeps a hung request's responder; false if the hang was cleared since it was planned.
    mutating func hold(_ respond: @escaping @Sendable (HTTPResponse) -> Void, generation: Int) -> Bool {
        guard generation == hangGeneration else { return false }
        hung.append(respond)
        return true
    }

    var hungCount: Int { hung.count }

    /// Removes rules (all, or one id) and hands back the hung responders to release; the
    /// caller answers them outside the lock.
    mutating func clear(id: Int? = nil) -> [@Sendable (HTTPResponse) -> Void] {
        if let id {
            rules.removeAll { $0.id == id }
            if rules.contains(where: { $0.fault == .hang }) { return [] }
        } else {
            rules.removeAll()
        }
        hangGeneration += 1
        defer { hung = [] }
        return hung
    }
}
