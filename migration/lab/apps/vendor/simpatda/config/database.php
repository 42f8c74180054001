<?php
// SIMPATDA - koneksi basis data. Diisi saat instalasi oleh vendor; ubah bila server DB pindah.
return [
    'driver'   => 'mysql',
    'host'     => '@DB_IP@',
    'port'     => 3306,
    'database' => '@DB_NAME@',
    'username' => '@DB_USER@',
    'password' => '@DB_PASSWORD@',
    'charset'  => 'utf8mb4',
];
