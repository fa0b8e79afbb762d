import FakeStigg
import SidecarModel
import Testing

@Suite struct PaginationTests {
    /// Follows `pagination.next` from the first page; returns the ids in order and the pages.
    private func pageThrough(_ client: TestClient, limit: Int) async throws -> (ids: [String], pages: Int) {
        var ids: [String] = []
        var pages = 0
        var after: String?
        repeat {
            let reply = try await client.get("/api/v1/customers?limit=\(limit)" + (after.map { "&after=\($0)" } ?? ""))
            #expect(reply.status == 200)
            let page = try reply.json()
            pages += 1
            guard case .array(let items)? = page["data"] else { Issue.record("no data array"); break }
            ids += items.compactMap { $0["id"]?.stringValueForTest }
            after = page["pagination"]?["next"]?.stringValueForTest
            if after == "" { after = nil }
            if items.isEmpty { break }
        } while after != nil && pages < 10_000
        return (ids, pages)
    }

    @Test func twoHundredFiftyCustomersInPagesOfAHundred() async throws {
        try await withFake { fake, client in
            fake.addSyntheticCustomers(count: 250)
            let (ids, pages) = try await pageThrough(client, limit: 100)
            #expect(pages == 3)
            #expect(ids.count == 250)
            #expect(Set(ids).count == 250)
            #expect(ids == fake.customerIds)
            let last = try await client.get("/api/v1/customers?limit=100&after=\(Self.cursor(200))").json()
            #expect(last["pagination"]?["next"] == .null)
            #expect(last["pagination"]?["prev"]?.stringValueForTest == Self.cursor(201))
        }
    }

    @Test func syntheticCustomersServeTheSharedTemplate() async throws {
        try await withFake { fake, client in
            fake.addSyntheticCustomers(count: 100_000)
            #expect(fake.customerCount == 100_000)
            let reply = try await client.get("/api/v1/customers/synthetic-100000/entitlements")
            let state = try EntitlementsState.decodeResponse(reply.body)
            #expect(state.feature("feature-api-calls")?.usageLimit.value == 1000)
            let tail = try await client.get("/api/v1/customers?limit=100&after=\(Self.cursor(99_950))").json()
            #expect(tail["data"]?.arrayCountForTest == 50)
        }
    }

    @Test func beforePagesBackwardsAndCursorsSurviveRemoval() async throws {
        try await withFake { fake, client in
            fake.addSyntheticCustomers(count: 10)
            let back = try await client.get("/api/v1/customers?limit=3&before=\(Self.cursor(5))").json()
            #expect(back["data"]?.idsForTest == ["synthetic-000002", "synthetic-000003", "synthetic-000004"])
            fake.removeCustomer("synthetic-000004")
            let after = try await client.get("/api/v1/customers?limit=2&after=\(Self.cursor(4))").json()
            #expect(after["data"]?.idsForTest == ["synthetic-000005", "synthetic-000006"])
        }
    }

    @Test func limitsAndCursorsAreValidated() async throws {
        try await withFake { fake, client in
            fake.addSyntheticCustomers(count: 30)
            let firstPage = try await client.get("/api/v1/customers").json()
            #expect(firstPage["data"]?.arrayCountForTest == 20)
            for query in ["limit=0", "limit=101", "limit=x", "after=nope", "after=\(Self.cursor(1))&before=\(Self.cursor(3))"] {
                let reply = try await client.get("/api/v1/customers?\(query)")
                #expect(reply.status == 400, "\(query)")
            }
        }
    }

    @Test(arguments: [PaginationEnd.absent, .emptyString])
    func endOfListVariants(_ end: PaginationEnd) async throws {
        var configuration = FakeStiggConfiguration()
        configuration.paginationEnd = end
        try await withFake(configuration) { fake, client in
            fake.addSyntheticCustomers(count: 5)
            let page = try await client.get("/api/v1/customers?limit=10").json()
            #expect(page["pagination"]?["next"] == (end == .absent ? nil : .string("")))
            let (ids, _) = try await pageThrough(client, limit: 2)
            #expect(ids.count == 5)
        }
    }

    /// The fake's cursor for the n-th customer (a documented, stable format).
    static func cursor(_ position: Int) -> String {
        let hex = String(position, radix: 16)
        return "00000000-0000-4000-a000-" + String(repeating: "0", count: 12 - hex.count) + hex
    }
}

extension JSONValue {
    var arrayCountForTest: Int? { if case .array(let items) = self { items.count } else { nil } }
    var idsForTest: [String] {
        if case .array(let items) = self { items.compactMap { $0["id"]?.stringValueForTest } } else { [] }
    }
}
