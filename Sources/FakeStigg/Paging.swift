import SidecarModel

/// `limit`/`after`/`before` of a `MyCursorIDPage` list (STIGG-API.md §4.2).
struct PageRequest {
    var limit = 20
    var after: Int?
    var before: Int?

    init(_ parameters: [String: String]) throws(FakeError) {
        if let text = parameters["limit"] {
            guard let value = Int(text), (1...100).contains(value) else {
                throw .badRequest("limit must be an integer from 1 to 100")
            }
            limit = value
        }
        after = try parameters["after"].map { (text) throws(FakeError) in try Paging.position(text) }
        before = try parameters["before"].map { (text) throws(FakeError) in try Paging.position(text) }
        if after != nil && before != nil { throw .badRequest("after and before are mutually exclusive") }
    }
}

/// Cursor pages. A cursor is UUID-shaped like Stigg's (§4.2: "looks like an internal UUID")
/// and encodes an item's position number; positions only grow, so `after=<cursor>` still works
/// when the item it names has been removed. `next` is the cursor of the page's last item,
/// `prev` that of its first; each is absent (per `PaginationEnd`) when nothing lies beyond.
enum Paging {
    private static let cursorPrefix = "00000000-0000-4000-a000-"

    static func cursor(_ position: Int) -> String {
        let hex = String(position, radix: 16)
        return cursorPrefix + String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    }

    static func position(_ cursor: String) throws(FakeError) -> Int {
        guard cursor.hasPrefix(cursorPrefix), cursor.count == cursorPrefix.count + 12,
              let value = Int(cursor.dropFirst(cursorPrefix.count), radix: 16) else {
            throw .badRequest("invalid cursor: \(cursor)")
        }
        return value
    }

    /// The index range of the page. `firstIndex(atOrAfter:)` maps a position to the index of
    /// the first item at or past it (items are sorted by position).
    static func range(count: Int, _ request: PageRequest, firstIndex: (_ atOrAfter: Int) -> Int) -> Range<Int> {
        if let before = request.before {
            let end = firstIndex(before)
            return max(0, end - request.limit)..<end
        }
        let start = request.after.map { firstIndex($0 + 1) } ?? 0
        return start..<min(count, start + request.limit)
    }

    /// `{"data":[...],"pagination":{"next":...,"prev":...}}`
    static func body(items: [JSONValue], range: Range<Int>, count: Int, position: (Int) -> Int, end: PaginationEnd) -> JSONValue {
        let next = !range.isEmpty && range.upperBound < count ? cursor(position(range.upperBound - 1)) : nil
        let prev = !range.isEmpty && range.lowerBound > 0 ? cursor(position(range.lowerBound)) : nil
        var pagination: [String: JSONValue] = [:]
        for (key, value) in [("next", next), ("prev", prev)] {
            switch (value, end) {
            case (let cursor?, _): pagination[key] = .string(cursor)
            case (nil, .null): pagination[key] = .null
            case (nil, .emptyString): pagination[key] = .string("")
            case (nil, .absent): break
            }
        }
        return .object(["data": .array(items), "pagination": .object(pagination)])
    }
}
