<?php
// GET: the latest tax records (?limit=N); POST {"npwpd", "wajib_pajak", "jumlah"}: 201 once committed.
require __DIR__ . '/../lib/db.php';
$db = simpatda_db();
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $in = json_decode(file_get_contents('php://input'), true) ?: [];
    $st = $db->prepare('INSERT INTO pajak (npwpd, wajib_pajak, jumlah, tanggal) VALUES (?, ?, ?, CURDATE())');
    $st->execute([(string) ($in['npwpd'] ?? ''), (string) ($in['wajib_pajak'] ?? ''), (float) ($in['jumlah'] ?? 0)]);
    simpatda_reply(201, ['id' => (int) $db->lastInsertId()]);
}
$limit = max(1, min(1000, (int) ($_GET['limit'] ?? 100)));
$rows = $db->query("SELECT id, npwpd, wajib_pajak, jumlah, tanggal FROM pajak ORDER BY id DESC LIMIT $limit");
simpatda_reply(200, $rows->fetchAll(PDO::FETCH_ASSOC));
