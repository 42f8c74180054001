<?php
// POST upload.php?name=<file>: the raw body is stored under uploads/<year>/ (201 once on disk).
require __DIR__ . '/lib/db.php';
$name = basename((string) ($_GET['name'] ?? ''));
if ($_SERVER['REQUEST_METHOD'] !== 'POST' || $name === '' || $name[0] === '.') {
    simpatda_reply(400, ['status' => 'error', 'error' => 'POST upload.php?name=<file>']);
}
$dir = __DIR__ . '/uploads/' . date('Y');
if (!is_dir($dir)) { mkdir($dir, 0775, true); }
$body = file_get_contents('php://input');
$tmp = "$dir/.$name." . getmypid();
$fh = fopen($tmp, 'wb');
fwrite($fh, $body);
fflush($fh);
fsync($fh);
fclose($fh);
rename($tmp, "$dir/$name");
simpatda_reply(201, ['name' => date('Y') . "/$name", 'sha256' => hash('sha256', $body)]);
