<?php
// Health check used by the monitoring team: 200 when the database answers.
require __DIR__ . '/lib/db.php';
$c = require __DIR__ . '/config/database.php';
try {
    $rows = (int) simpatda_db()->query('SELECT COUNT(*) FROM pajak')->fetchColumn();
} catch (PDOException $e) {
    simpatda_reply(503, ['status' => 'error', 'app' => 'simpatda', 'error' => $e->getMessage()]);
}
$uploads = 0;
$it = new RecursiveIteratorIterator(new RecursiveDirectoryIterator(__DIR__ . '/uploads', FilesystemIterator::SKIP_DOTS));
foreach ($it as $f) { $uploads += $f->isFile() ? 1 : 0; }
simpatda_reply(200, ['status' => 'ok', 'app' => 'simpatda', 'host' => gethostname(),
                     'rows' => $rows, 'uploads' => $uploads, 'db_host' => $c['host']]);
