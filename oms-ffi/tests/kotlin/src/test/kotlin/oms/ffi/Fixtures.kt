package oms.ffi

import uniffi.oms_ffi.Address
import uniffi.oms_ffi.Engine
import uniffi.oms_ffi.Location
import uniffi.oms_ffi.LocationKind
import uniffi.oms_ffi.Money
import uniffi.oms_ffi.OrderLine
import uniffi.oms_ffi.PlaceOrder
import uniffi.oms_ffi.Product
import uniffi.oms_ffi.ReceiveStock

/** Times are RFC 3339 strings; the engine reads no clock. */
const val AT = "2026-11-22T09:00:00Z"
const val LATER = "2026-11-22T15:30:00Z"

fun usd(amount: String) = Money(amount = amount, currency = "USD")

val ADA = Address(name = "Ada", line1 = "1 Main St", city = "Springfield", postalCode = "62701", country = "US")

fun order(orderId: String, vararg lines: Pair<String, ULong>, price: String = "9.50") = PlaceOrder(
    orderId = orderId,
    channel = "app",
    customerId = "C1",
    shipTo = ADA,
    lines = lines.mapIndexed { i, (sku, quantity) ->
        OrderLine(lineId = "${i + 1}", sku = sku, quantity = quantity, unitPrice = usd(price))
    },
)

/** An engine with warehouse WH1 holding `stock` units of each SKU. */
fun stockedEngine(configJson: String? = null, stock: ULong = 10uL, vararg skus: String = arrayOf("MUG")): Engine {
    val engine = Engine(configJson)
    engine.defineLocation(Location(locationId = "WH1", name = "Main", kind = LocationKind.WAREHOUSE), AT)
    for (sku in skus) {
        engine.defineProduct(Product(sku = sku, name = "Product $sku"), AT)
        engine.receiveStock(ReceiveStock(sku = sku, locationId = "WH1", quantity = stock), AT)
    }
    return engine
}

/** Events as the JSON array the core reads back (`replay`, `applyEventsJson`). */
fun eventsJson(events: List<uniffi.oms_ffi.Event>) = events.joinToString(",", "[", "]") { it.json }
